import { integer, optional, type Reading, readAll, type ValuesOf, variable } from '../variable.js';

export const WORKER = {
  concurrency: variable(
    'WORKER_CONCURRENCY',
    undefined,
    optional(integer(1, 256)),
    'Jobs rendered at once per worker process. Default: the number of CPU cores.',
  ),
  imagingThreads: variable(
    'IMAGING_THREADS',
    undefined,
    optional(integer(1, 64)),
    'libvips threads per image operation (`sharp.concurrency`). Default: 1 when WORKER_CONCURRENCY ≥ cores, else cores.',
  ),
  imagingCacheMb: variable(
    'IMAGING_CACHE_MB',
    '0',
    integer(0, 4096),
    'libvips operation cache in MB; 0 keeps memory flat in a long-running worker.',
  ),
  drainTimeoutMs: variable(
    'DRAIN_TIMEOUT_MS',
    '25000',
    integer(0, 3_600_000),
    'On SIGTERM, how long running requests and jobs may finish before the process closes (job leases then expire).',
  ),
};

export const JOBS = {
  maxAttempts: variable(
    'JOB_MAX_ATTEMPTS',
    '5',
    integer(1, 100),
    'Deliveries of one job before its image is `failed` (transient errors only; a bad image fails at once).',
  ),
  backoffMs: variable(
    'JOB_BACKOFF_MS',
    '1000',
    integer(1, 3_600_000),
    'Base delay of the exponential retry backoff (with jitter).',
  ),
  backoffMaxMs: variable('JOB_BACKOFF_MAX_MS', '60000', integer(1, 86_400_000), 'Largest retry delay.'),
  leaseMs: variable(
    'JOB_LEASE_MS',
    '30000',
    integer(200, 3_600_000),
    'A claimed job is re-delivered if its worker does not renew the lease for this long (crash recovery).',
  ),
  timeoutMs: variable(
    'JOB_TIMEOUT_MS',
    '60000',
    integer(100, 3_600_000),
    'Per-job time limit for rendering; past it the child process rendering is killed and the image fails with `TS_RENDER_TIMEOUT`.',
  ),
};

/** Budgets of the imaging child processes (imaging/pool): every probe and render runs in one. */
export const ISOLATION = {
  // An idle child alone is about 70 MB resident: a smaller ceiling would kill every request.
  memoryLimitMb: variable(
    'RENDER_MEMORY_LIMIT_MB',
    '1024',
    integer(128, 1_048_576),
    'Memory ceiling of one probe or render: the child process doing it is killed past this resident size (`TS_RENDER_MEMORY`).',
  ),
  probeTimeoutMs: variable(
    'PROBE_TIMEOUT_MS',
    '10000',
    integer(100, 600_000),
    'Time limit of reading an image header (at upload, and after fetching an upload by URL); past it `TS_RENDER_TIMEOUT`.',
  ),
  probeChildren: variable(
    'PROBE_CHILDREN',
    '1',
    integer(1, 64),
    'Child processes an API process keeps for header probes (workers render in WORKER_CONCURRENCY children).',
  ),
};

export const SWEEP = {
  intervalMs: variable(
    'SWEEP_INTERVAL_MS',
    '60000',
    integer(0, 86_400_000),
    'How often API processes re-enqueue images stuck in `queued` or `processing` (0 = never).',
  ),
  staleMs: variable(
    'SWEEP_STALE_MS',
    '60000',
    integer(0, 86_400_000),
    'An image `queued` this long is re-enqueued (a no-op while its job exists); one `processing` longer than max(this, JOB_TIMEOUT_MS + 2 × JOB_LEASE_MS) too.',
  ),
};

export interface WorkerConfig {
  concurrency: number;
  imagingThreads: number;
  imagingCacheMb: number;
  drainTimeoutMs: number;
}
export type JobsConfig = ValuesOf<typeof JOBS>;
export type IsolationConfig = ValuesOf<typeof ISOLATION>;
export type SweepConfig = ValuesOf<typeof SWEEP> & {
  /** Age past which a `processing` row is re-enqueued: max(staleMs, job time limit + two leases). */
  processingStaleMs: number;
};

export interface WorkersSection {
  worker: WorkerConfig;
  jobs: JobsConfig;
  isolation: IsolationConfig;
  sweep: SweepConfig;
}

/** How work is done: concurrency (defaults from the machine's `cores`), the job limits, the budgets, the sweeper. */
export function readWorkers({ read, problems }: Reading, cores: number, fetchTimeoutMs: number): WorkersSection {
  const jobs = readJobs(read, problems);
  return {
    worker: readWorker(read, cores),
    jobs,
    isolation: readAll(ISOLATION, read),
    sweep: readSweep(read, jobs, fetchTimeoutMs),
  };
}

function readWorker(read: Reading['read'], cores: number): WorkerConfig {
  const values = readAll(WORKER, read);
  const concurrency = values.concurrency ?? cores;
  return { ...values, concurrency, imagingThreads: values.imagingThreads ?? (concurrency >= cores ? 1 : cores) };
}

function readJobs(read: Reading['read'], problems: string[]): JobsConfig {
  const jobs = readAll(JOBS, read);
  if (jobs.backoffMaxMs < jobs.backoffMs) problems.push('JOB_BACKOFF_MAX_MS: must not be smaller than JOB_BACKOFF_MS');
  if (jobs.timeoutMs > jobs.leaseMs * 100) problems.push('JOB_TIMEOUT_MS: must be at most 100 × JOB_LEASE_MS');
  return jobs;
}

/**
 * A live delivery renews its lease, and its row moves at most one time limit apart: at the claim, when the fetched
 * original of an upload by URL is attached, at the end of the render. A row `processing` for much longer than that
 * has lost its job (see service/sweeper.ts).
 */
function readSweep(read: Reading['read'], jobs: JobsConfig, fetchTimeoutMs: number): SweepConfig {
  const sweep = readAll(SWEEP, read);
  const processingStaleMs = Math.max(sweep.staleMs, Math.max(fetchTimeoutMs, jobs.timeoutMs) + 2 * jobs.leaseMs);
  return { ...sweep, processingStaleMs };
}
