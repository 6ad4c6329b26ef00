import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { createRetryPolicy } from '../../src/domain/backoff.js';
import { uploadOk } from '../support/http.js';
import { deleteQueuePrefix } from '../support/queue-fixtures.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import {
  createScratchDatabase,
  listS3Keys,
  mapLimit,
  reportUnexpectedExit,
  type ScratchDatabase,
  s3ObjectBytes,
  sha256,
  variedImage,
} from '../support/topology.js';
import { waitFor } from '../support/wait.js';

/**
 * The scale-out topology as real OS processes on loopback: the machine's PostgreSQL (a fresh database), the
 * machine's Redis (a key prefix of its own), s3rver in a child process, one `thumbsmith api` and three
 * `thumbsmith worker` processes. Two short runs measure images/s with one and with three workers; then 300 uploads,
 * during which one worker is SIGKILLed and another SIGTERMed. Afterwards the engines themselves are inspected.
 */
const enabled = adapterEnabled('postgres') && adapterEnabled('bullmq') && adapterEnabled('s3');

const MAIN_UPLOADS = 300;
const SHORT_RUN_UPLOADS = 100;
const UPLOAD_LANES = 6;
const LEASE_MS = 3000;

interface Row {
  id: string;
  status: string;
  attempts: number;
  original_key: string;
  original_sha256: string;
  variants: string;
  error_code: string | null;
  completed_at: string | null;
}
interface StoredVariant {
  preset: string;
  key: string;
  sha256: string;
  bytes: number;
}

let s3: S3TestServer;
let scratch: ScratchDatabase;
let api: ServiceProcess;
const workers: ServiceProcess[] = [];
const queuePrefix = `tstopo:${randomBytes(6).toString('hex')}`;
const storagePrefix = `topology-${randomBytes(4).toString('hex')}`;
const acknowledged: string[] = [];
let imageNumber = 0;
const figures: Record<string, string> = {};
const watchers = new Map<ServiceProcess, { expectExit(): void }>();
const watch = (name: string, service: ServiceProcess) => watchers.set(service, reportUnexpectedExit(name, service));

function env(): Record<string, string> {
  return {
    DATABASE_URL: scratch.url,
    QUEUE_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    STORAGE_URL: `s3://${s3.bucket}/${storagePrefix}`,
    S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    JOB_LEASE_MS: String(LEASE_MS),
    WORKER_CONCURRENCY: '2',
    SWEEP_INTERVAL_MS: '2000',
    SWEEP_STALE_MS: '10000',
    LOG_LEVEL: 'info',
  };
}

async function startWorkers(count: number): Promise<ServiceProcess[]> {
  const started = await Promise.all(
    Array.from({ length: count }, () => startService({ command: 'worker', env: env() })),
  );
  for (const worker of started) watch(`worker ${workers.push(worker)}`, worker);
  return started;
}

/** Uploads `count` new images over `UPLOAD_LANES` connections; `onProgress` sees the number acknowledged so far. */
async function uploadMany(count: number, onProgress?: (done: number) => Promise<void> | void): Promise<string[]> {
  const numbers = Array.from({ length: count }, () => imageNumber++);
  let done = 0;
  return mapLimit(numbers, UPLOAD_LANES, async (n) => {
    const { id } = await uploadOk(api.url, await variedImage(n), `topology-${n}.img`);
    acknowledged.push(id);
    done += 1;
    await onProgress?.(done);
    return id;
  });
}

async function countDone(ids: readonly string[]): Promise<number> {
  const [row] = await scratch.query<{ n: string }>(
    "select count(*) as n from images where id = any($1) and status = 'done'",
    [ids],
  );
  return Number(row?.n ?? 0);
}

async function waitAllDone(ids: readonly string[], timeoutMs: number): Promise<void> {
  await waitFor(`${ids.length} images done`, async () => (await countDone(ids)) === ids.length, {
    timeoutMs: timeoutMs,
  });
}

async function lastCompletedAt(ids: readonly string[]): Promise<number> {
  const [row] = await scratch.query<{ last: string }>(
    'select max(completed_at) as last from images where id = any($1)',
    [ids],
  );
  return Number(row?.last);
}

/** Images per second from the first upload request to the last completion. */
async function measureRun(label: string): Promise<void> {
  const started = Date.now();
  const ids = await uploadMany(SHORT_RUN_UPLOADS);
  const uploaded = (Date.now() - started) / 1000;
  await waitAllDone(ids, 60_000);
  const seconds = ((await lastCompletedAt(ids)) - started) / 1000;
  figures[label] =
    `${(ids.length / seconds).toFixed(1)} images/s upload-to-done (${ids.length} images in ${seconds.toFixed(1)} s; ` +
    `the API acknowledged them in ${uploaded.toFixed(1)} s)`;
}

async function workerActive(worker: ServiceProcess): Promise<number | undefined> {
  const response = await fetch(`${worker.url}/readyz`);
  const body = (await response.json()) as { checks: { workers?: { active: number } } };
  return body.checks.workers?.active;
}

beforeAll(async () => {
  if (!enabled) return;
  [s3, scratch] = await Promise.all([startS3Server(), createScratchDatabase()]);
  api = await startService({ command: 'api', env: env() });
  watch('api', api);
});

afterAll(async () => {
  if (!enabled) return;
  for (const watcher of watchers.values()) watcher.expectExit();
  for (const service of [api, ...workers]) {
    if (!service) continue;
    await service.stop('SIGKILL');
    await removeDataDir(service.dataDir);
  }
  await scratch?.drop();
  await deleteQueuePrefix(TEST_REDIS_URL, queuePrefix);
  await s3?.stop();
  console.log(
    `topology figures:\n${Object.entries(figures)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  );
});

describe.runIf(enabled)('topology: Postgres + Redis + S3, 1 api and 3 worker processes', () => {
  it('measures images/s with 1 worker, then with 3 workers', async () => {
    const [single] = await startWorkers(1);
    await measureRun('1 worker ');
    await startWorkers(2);
    await measureRun('3 workers');
    // All three took part (a worker's log line reaches us through a pipe, possibly after the image shows done).
    await waitFor('a log line "image done" from every worker', () =>
      workers.every((worker) => worker.logs.some((l) => l.msg === 'image done')),
    );
    expect(single).toBeDefined();
  }, 150_000);

  it(`${MAIN_UPLOADS} uploads, one worker SIGKILLed and one SIGTERMed mid-run: every image done exactly once`, async () => {
    const started = Date.now();
    const [victim, drained] = workers as [ServiceProcess, ServiceProcess, ServiceProcess];
    let killedAt = 0;
    let inFlightAtKill: string[] = [];
    let drainedExit: Promise<number | null> | undefined;

    await uploadMany(MAIN_UPLOADS, async (done) => {
      if (done === Math.floor(MAIN_UPLOADS / 3) && killedAt === 0) {
        // Kill while the victim is rendering, so there is work to recover.
        await waitFor(
          'the victim to hold a job',
          async () => (((await workerActive(victim)) ?? 0) > 0 ? true : undefined),
          { timeoutMs: 10_000 },
        );
        // Read just before and just after the kill: a job the victim committed in between (its row `done` at the
        // second read, its 'image done' line never written) was `processing` at the first.
        const processing = async () =>
          (await scratch.query<{ id: string }>("select id from images where status = 'processing'")).map((r) => r.id);
        const beforeKill = await processing();
        watchers.get(victim)?.expectExit();
        victim.child.kill('SIGKILL');
        killedAt = Date.now();
        inFlightAtKill = [...new Set([...beforeKill, ...(await processing())])];
      }
      if (done === Math.floor((2 * MAIN_UPLOADS) / 3) && !drainedExit) {
        watchers.get(drained)?.expectExit();
        drainedExit = drained.stop('SIGTERM');
      }
    });
    expect(await victim.stop()).toBeNull(); // killed by a signal
    expect(await drainedExit).toBe(0);
    expect(drained.logs.some((l) => l.msg === 'shut down')).toBe(true);

    await waitAllDone(acknowledged, 60_000);
    figures['topology run'] = `${MAIN_UPLOADS} uploads to all done in ${((Date.now() - started) / 1000).toFixed(1)} s`;

    // --- the database: one row per acknowledged upload, each done once with one variant set
    const rows = await scratch.query<Row>('select * from images');
    expect(rows).toHaveLength(acknowledged.length);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(acknowledged));
    expect(new Set(rows.map((r) => r.original_sha256)).size).toBe(rows.length); // no upload stored twice
    const doneLogs = new Map<string, number[]>();
    for (const worker of workers) {
      for (const line of worker.logs) {
        if (line.msg !== 'image done') continue;
        const id = String(line.imageId);
        doneLogs.set(id, [...(doneLogs.get(id) ?? []), Number(line.time)]);
      }
    }
    const renderedTwice: string[] = [];
    for (const row of rows) {
      expect(row.status).toBe('done');
      expect(row.error_code).toBeNull();
      expect(row.attempts).toBeGreaterThanOrEqual(1);
      expect(row.completed_at).not.toBeNull();
      const variants = JSON.parse(row.variants) as StoredVariant[];
      expect(variants.map((v) => v.preset).sort()).toEqual(['large', 'medium', 'small']);
      expect(new Set(variants.map((v) => v.key)).size).toBe(3);
      const times = doneLogs.get(row.id) ?? [];
      // A worker killed between its commit and its log line is the only way to have no line.
      if (times.length === 0) expect(inFlightAtKill).toContain(row.id);
      if (times.length > 1) renderedTwice.push(row.id);
      // completedAt was set by the first completion and never moved by a later one.
      if (times.length > 0) expect(Number(row.completed_at)).toBeLessThanOrEqual(Math.min(...times));
    }

    // --- the crash: the victim's jobs came back with a new attempt and finished
    const rowById = new Map(rows.map((r) => [r.id, r]));
    const recovered = inFlightAtKill.filter((id) => (rowById.get(id)?.attempts ?? 0) >= 2);
    expect(recovered.length).toBeGreaterThan(0);
    const recoveredBy = Math.max(...recovered.map((id) => Number(rowById.get(id)?.completed_at)));
    figures['recovery after SIGKILL'] =
      `${((recoveredBy - killedAt) / 1000).toFixed(1)} s until the killed worker's ${recovered.length} in-flight ` +
      `job(s) were done (JOB_LEASE_MS=${LEASE_MS})`;
    figures['rendered more than once'] = `${renderedTwice.length} image(s) (same bytes, one variant set)`;

    // --- S3: every variant and original present with the right hash; nothing else
    const expectedKeys = new Map<string, string>();
    for (const row of rows) {
      expectedKeys.set(row.original_key, row.original_sha256);
      for (const v of JSON.parse(row.variants) as StoredVariant[]) expectedKeys.set(v.key, v.sha256);
    }
    const stored = (await listS3Keys(s3.client, s3.bucket, `${storagePrefix}/`)).map((key) =>
      key.slice(storagePrefix.length + 1),
    );
    expect(stored.filter((key) => !expectedKeys.has(key))).toEqual([]); // no orphan blobs
    expect(stored).toHaveLength(expectedKeys.size);
    const mismatched = await mapLimit([...expectedKeys], 16, async ([key, hash]) => {
      const bytes = await s3ObjectBytes(s3.client, s3.bucket, `${storagePrefix}/${key}`);
      return sha256(bytes) === hash ? undefined : key;
    });
    expect(mismatched.filter((key) => key !== undefined)).toEqual([]);

    // --- the queue: nothing left waiting, running, delayed or dead
    const queue = createBullmqJobQueue({
      store: { kind: 'redis', connection: TEST_REDIS_URL, prefix: queuePrefix },
      policy: createRetryPolicy({ maxAttempts: 5, backoffMs: 1000, backoffMaxMs: 60_000, leaseMs: LEASE_MS }),
    });
    try {
      expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, delayed: 0, dead: 0 });
    } finally {
      await queue.close();
    }
  }, 150_000);
});
