import { ThumbsmithError } from '../domain/errors.js';

/**
 * Typed jobs: a union of `{ name, data }`. Adding a job name without a handler is a compile error
 * (handlers live in a `Record<JobName, ...>` in service/).
 */
export interface JobDataByName {
  render: { imageId: string };
  /**
   * Re-render a `done` image's variants whose preset changed (or are missing), keeping the old ones until the new ones
   * are stored; `presets` narrows it to these names. A no-op for images not `done`.
   */
  rerender: { imageId: string; presets?: string[] };
  /**
   * Deliver one signed webhook event to one URL (retried with the queue's backoff until a 2xx answer). `tenant` is set
   * for an image's callback URL, whose tenant's secrets sign it; absent for the global WEBHOOK_URL (and jobs enqueued
   * before tenants had secrets), signed with WEBHOOK_SECRET.
   */
  webhook: { eventId: string; eventType: string; url: string; body: string; imageId: string; tenant?: string };
}
export type JobName = keyof JobDataByName;
export type JobItem = { [N in JobName]: { name: N; data: JobDataByName[N] } }[JobName];

export interface EnqueueOptions {
  /**
   * Deduplication id: while a job with this id is waiting, delayed or running, enqueueing it again is a no-op.
   * Once that job has finished, the id may be enqueued again.
   */
  jobId: string;
  /** Trace context to carry to the worker (W3C `traceparent`/`tracestate`). */
  carrier?: Record<string, string>;
}

export interface ClaimedJob<N extends JobName = JobName> {
  readonly id: string;
  readonly name: N;
  readonly data: JobDataByName[N];
  /** 1 on first delivery; counts every delivery, including re-deliveries after a lease expired. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly enqueuedAt: Date;
  readonly carrier: Record<string, string>;
}

/**
 * Runs one job. Resolving acknowledges it (it is never delivered again). Throwing schedules another delivery after
 * the queue's backoff while `attempt < maxAttempts`; after that the job is dead. Handlers decide themselves whether
 * an error is final (resolve after recording the failure) or transient (throw).
 * `signal` aborts when the lease is lost or the consumer stops hard.
 */
export type JobHandler = (job: ClaimedJob, signal: AbortSignal) => Promise<void>;

export interface ConsumerOptions {
  concurrency: number;
}

/** The rule every queue's `consume()` applies to its options. */
export function assertConsumerOptions(options: ConsumerOptions): void {
  if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) {
    throw new ThumbsmithError(
      'TS_VALIDATION',
      `Expected positive integer for concurrency but received ${options.concurrency}`,
    );
  }
}

/** `JobConsumer.stop()`'s default: long enough for a render, short enough for an orchestrator's grace. */
export const DEFAULT_STOP_TIMEOUT_MS = 25_000;

/** The abort reason of the handlers still running when a consumer's graceful stop runs out of time. */
export function consumerStopping(): ThumbsmithError {
  return new ThumbsmithError('TS_SHUTTING_DOWN', 'The worker is stopping; the job will be delivered again');
}

export interface JobConsumer {
  /** Time of this consumer's last successful contact with the queue (heartbeat for readiness). */
  lastHeartbeat(): Date | undefined;
  /** Jobs running now. */
  activeCount(): number;
  /**
   * Graceful drain: claims nothing new, waits for running jobs up to `timeoutMs`, then aborts their signals and
   * leaves them to lease expiry. Memoised: calling twice returns the same promise.
   */
  stop(timeoutMs?: number): Promise<void>;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  dead: number;
  /** Age in ms of the oldest job waiting to run, 0 when none. */
  oldestWaitingAgeMs: number;
}

/**
 * At-least-once job delivery. A claimed job holds a lease that the consumer renews while the handler runs; a lease
 * that expires (crashed process) makes the job deliverable again. Jobs survive restarts of every process.
 */
export interface JobQueue {
  enqueue(job: JobItem, options: EnqueueOptions): Promise<void>;
  consume(handler: JobHandler, options: ConsumerOptions): JobConsumer;
  counts(): Promise<QueueCounts>;
  /** Throws `TS_QUEUE_UNAVAILABLE` when the queue cannot be reached. */
  ping(): Promise<void>;
  /** Stops consumers (graceful) and releases connections. */
  close(): Promise<void>;
}

/** The retry rule is domain (`createRetryPolicy` builds it from configuration); every queue adapter obeys it. */
export type { RetryPolicy } from '../domain/backoff.js';
