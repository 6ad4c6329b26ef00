import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueCounts } from '../ports/job-queue.js';
import {
  type Dependency,
  DROPPED_DEFAULT_METRICS,
  type JobOutcome,
  METRICS,
  type Stage,
  type UploadOutcome,
  type WebhookOutcome,
} from './names.js';

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC) under their standard `process_*`/`nodejs_*` names. @defaultValue true */
  defaultMetrics?: boolean;
  /** Which role this process plays (`all`, `api`, `worker`), as a label of `thumbsmith_info`. */
  role?: string;
  version?: string;
}

/** What a worker process reports at scrape time. */
export interface WorkerGaugeSource {
  active(): number;
  concurrency: number;
  lastHeartbeat(): Date | undefined;
}

const SECONDS_FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SECONDS_STAGE = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const SECONDS_END_TO_END = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];
const BYTES_UPLOAD = [10_240, 102_400, 524_288, 1_048_576, 5_242_880, 10_485_760, 26_214_400, 52_428_800, 104_857_600];

/**
 * The Prometheus metrics of one process, in a registry of their own (a test may run several runtimes in one process).
 * Code records through the named helpers below and never touches prom-client; names live in names.ts.
 * Queue depth and worker gauges are read at scrape time from the sources given to `trackQueue`/`trackWorkers`.
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #info: Gauge<'version' | 'role'>;
  readonly #version: string;
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly #uploads: Counter<'outcome' | 'code'>;
  readonly #uploadSize: Histogram<string>;
  readonly #jobs: Counter<'outcome' | 'code'>;
  readonly #stages: Histogram<'stage' | 'preset'>;
  readonly #uploadToDone: Histogram<string>;
  readonly #dependencies: Histogram<'dependency' | 'operation' | 'outcome'>;
  readonly #rateLimitStoreErrors: Counter<string>;
  readonly #webhookDeliveries: Counter<'outcome'>;
  readonly #webhookDuration: Histogram<'outcome'>;
  #queueSource: (() => Promise<QueueCounts>) | undefined;
  #workerSource: WorkerGaugeSource | undefined;
  #onCollectError: ((error: unknown) => void) | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.#registry];
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.#registry });
      for (const name of DROPPED_DEFAULT_METRICS) this.#registry.removeSingleMetric(name);
    }
    this.#info = new Gauge({
      name: METRICS.info,
      help: 'Always 1; labels tell the version and role of this process.',
      labelNames: ['version', 'role'],
      registers,
    });
    this.#version = options.version ?? 'unknown';
    this.setRole(options.role ?? 'unknown');

    this.#httpRequests = new Counter({
      name: METRICS.httpRequests,
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: METRICS.httpRequestDuration,
      help: 'Time from receiving an HTTP request to sending the answer, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS_FAST,
      registers,
    });
    this.#uploads = new Counter({
      name: METRICS.uploads,
      help: 'Uploads by outcome (accepted, rejected = 4xx, failed = 5xx) and error code.',
      labelNames: ['outcome', 'code'],
      registers,
    });
    this.#uploadSize = new Histogram({
      name: METRICS.uploadSize,
      help: 'Size of accepted uploads in bytes.',
      buckets: BYTES_UPLOAD,
      registers,
    });
    this.#jobs = new Counter({
      name: METRICS.jobs,
      help: 'Job deliveries by outcome (done, failed, retried, dropped) and error code.',
      labelNames: ['outcome', 'code'],
      registers,
    });
    this.#stages = new Histogram({
      name: METRICS.stageDuration,
      help: 'Time per render stage (queue_wait, load, inspect, decode, encode and store per preset).',
      labelNames: ['stage', 'preset'],
      buckets: SECONDS_STAGE,
      registers,
    });
    this.#uploadToDone = new Histogram({
      name: METRICS.uploadToDone,
      help: 'Time from an accepted upload to its image being done (every thumbnail stored).',
      buckets: SECONDS_END_TO_END,
      registers,
    });
    this.#dependencies = new Histogram({
      name: METRICS.dependencyDuration,
      help: 'Calls to the database, queue and storage, by operation and outcome (ok, error).',
      labelNames: ['dependency', 'operation', 'outcome'],
      buckets: SECONDS_FAST,
      registers,
    });

    this.#rateLimitStoreErrors = new Counter({
      name: METRICS.rateLimitStoreErrors,
      help: 'Rate-limit counts the shared store (Redis) could not answer; each was counted in this process instead.',
      registers,
    });

    this.#webhookDeliveries = new Counter({
      name: METRICS.webhookDeliveries,
      help: 'Webhook delivery attempts by outcome (delivered, retried, gave_up, dropped).',
      labelNames: ['outcome'],
      registers,
    });
    this.#webhookDuration = new Histogram({
      name: METRICS.webhookDeliveryDuration,
      help: 'Time of one webhook delivery attempt (connect, send, answer), by outcome.',
      labelNames: ['outcome'],
      buckets: SECONDS_STAGE,
      registers,
    });

    const queueJobs = new Gauge({
      name: METRICS.queueJobs,
      help: 'Jobs in the queue by state (waiting, active, delayed, dead); read from the queue at scrape time.',
      labelNames: ['state'],
      registers,
      collect: async () => {
        queueJobs.reset();
        oldestAge.reset();
        if (!this.#queueSource) return;
        try {
          const counts = await this.#queueSource();
          for (const state of ['waiting', 'active', 'delayed', 'dead'] as const)
            queueJobs.set({ state }, counts[state]);
          oldestAge.set(counts.oldestWaitingAgeMs / 1000);
        } catch (error) {
          // An unreachable queue leaves no depth and an unknown (NaN) age rather than stale or made-up values.
          oldestAge.set(Number.NaN);
          this.#onCollectError?.(error);
        }
      },
    });
    const oldestAge = new Gauge({
      name: METRICS.queueOldestWaitingAge,
      help: 'Age of the oldest job waiting to run (0 when none); read at scrape time.',
      registers,
    });
  }

  /** The `Content-Type` of `render()`'s text. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** Every metric in the Prometheus text format (runs the scrape-time collectors). */
  render(): Promise<string> {
    return this.#registry.metrics();
  }

  /** The role label of `thumbsmith_info` (`all`, `api`, `worker`). */
  setRole(role: string): void {
    this.#info.reset();
    this.#info.set({ version: this.#version, role }, 1);
  }

  /** Reads queue depth from `counts` at every scrape; errors go to `onError` (depth absent, age NaN). */
  trackQueue(counts: () => Promise<QueueCounts>, onError?: (error: unknown) => void): void {
    this.#queueSource = counts;
    this.#onCollectError = onError;
  }

  /** Registers the worker gauges (only processes that run workers have them), read from `source` at scrape time. */
  trackWorkers(source: WorkerGaugeSource): void {
    const first = this.#workerSource === undefined;
    this.#workerSource = source;
    if (!first) return;
    const registers = [this.#registry];
    const active: Gauge = new Gauge({
      name: METRICS.workerActiveJobs,
      help: 'Jobs this worker process is running now (concurrency in use).',
      registers,
      collect: (): void => active.set(this.#workerSource?.active() ?? 0),
    });
    const concurrency: Gauge = new Gauge({
      name: METRICS.workerConcurrency,
      help: 'Jobs this worker process may run at once.',
      registers,
      collect: (): void => concurrency.set(this.#workerSource?.concurrency ?? 0),
    });
    const heartbeat: Gauge = new Gauge({
      name: METRICS.workerLastHeartbeat,
      help: "Unix time of this worker's last successful contact with the queue (NaN before the first).",
      registers,
      collect: (): void => heartbeat.set((this.#workerSource?.lastHeartbeat()?.getTime() ?? Number.NaN) / 1000),
    });
  }

  /** `route` is the route pattern (`/v1/images/:id`), never the raw URL, so the label set stays small. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.#httpRequests.inc(labels);
    this.#httpDuration.observe(labels, seconds);
  }

  upload(outcome: UploadOutcome, code?: string): void {
    this.#uploads.inc(code ? { outcome, code } : { outcome });
  }

  uploadSize(bytes: number): void {
    this.#uploadSize.observe(bytes);
  }

  job(outcome: JobOutcome, code?: string): void {
    this.#jobs.inc(code ? { outcome, code } : { outcome });
  }

  stage(stage: Stage, seconds: number, preset?: string): void {
    this.#stages.observe(preset ? { stage, preset } : { stage }, seconds);
  }

  uploadToDone(seconds: number): void {
    this.#uploadToDone.observe(Math.max(0, seconds));
  }

  rateLimitStoreError(): void {
    this.#rateLimitStoreErrors.inc();
  }

  /** One webhook delivery attempt and how long it took. */
  webhookDelivery(outcome: WebhookOutcome, seconds: number): void {
    this.#webhookDeliveries.inc({ outcome });
    this.#webhookDuration.observe({ outcome }, seconds);
  }

  dependencyCall(dependency: Dependency, operation: string, seconds: number, ok: boolean): void {
    this.#dependencies.observe({ dependency, operation, outcome: ok ? 'ok' : 'error' }, seconds);
  }
}

export function createMetrics(options?: MetricsOptions): Metrics {
  return new Metrics(options);
}
