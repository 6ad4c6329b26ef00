import { type IQueueBackend, type Job, type JobProgress, UnrecoverableError, Worker } from 'bullmq';
import { describeError, ThumbsmithError } from '../../domain/errors.js';
import { settleWithin, withTimeout } from '../../lib/timeout.js';
import {
  type ClaimedJob,
  consumerStopping,
  DEFAULT_STOP_TIMEOUT_MS,
  type JobConsumer,
  type JobHandler,
  type RetryPolicy,
} from '../../ports/job-queue.js';
import type { BullmqClient } from './bullmq-connection.js';
import type { BullmqJobPayload } from './bullmq-job-payload.js';

export interface BullmqJobConsumerOptions {
  queueName: string;
  /** The Worker's own connection; the consumer closes it when it stops. */
  client: BullmqClient;
  concurrency: number;
  policy: RetryPolicy;
  onError: (error: unknown) => void;
  /** Called once when the consumer has stopped. */
  onStopped: () => void;
}

/** A Worker of our payloads on either backend. */
type BullmqWorker = Worker<BullmqJobPayload, void, string, IQueueBackend, JobProgress, unknown>;

/** After a stop times out and signals are aborted, how long handlers get to notice before the connection is cut. */
const ABORT_GRACE_MS = 1_000;

/**
 * A BullMQ Worker behind the JobConsumer port. BullMQ does the claiming (lock = lease, renewed every
 * `lockDuration / 2`), retries with the policy's backoff, and re-delivers stalled jobs; this class maps jobs to
 * `ClaimedJob`, owns each handler's AbortSignal and implements the port's drain.
 */
export class BullmqJobConsumer implements JobConsumer {
  readonly #options: BullmqJobConsumerOptions;
  readonly #handler: JobHandler;
  readonly #worker: BullmqWorker;
  /** Abort controllers of running handlers, by BullMQ job id. */
  readonly #controllers = new Map<string, AbortController>();
  readonly #heartbeatTimer: NodeJS.Timeout;
  #active = 0;
  #heartbeat: Date | undefined;
  #stopped: Promise<void> | undefined;

  constructor(handler: JobHandler, options: BullmqJobConsumerOptions) {
    this.#handler = handler;
    this.#options = options;
    const { policy } = options;
    this.#worker = new Worker<BullmqJobPayload, void, string, IQueueBackend, JobProgress, unknown>(
      options.queueName,
      (job) => this.#process(job),
      {
        ...options.client.options,
        concurrency: options.concurrency,
        lockDuration: policy.leaseMs,
        // One stalled check per lease: a crashed worker's job is back within about two leases after its lock expired.
        stalledInterval: policy.leaseMs,
        // Stalls count as deliveries (attempt = attemptsStarted); allowing maxAttempts of them guarantees that the
        // handler sees `attempt > maxAttempts` before BullMQ fails the job on its own.
        maxStalledCount: policy.maxAttempts,
        settings: {
          backoffStrategy: (attemptsMade, _type, _error, job) => policy.backoffMs(deliveries(job, attemptsMade)),
        },
      },
      options.client.backend,
    );
    const beat = () => {
      this.#heartbeat = new Date();
    };
    this.#worker.on('error', (error) => options.onError(error));
    this.#worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) {
        this.#abort(id, new ThumbsmithError('TS_QUEUE_UNAVAILABLE', `The lock on job ${id} was lost`));
      }
    });
    for (const event of ['active', 'completed', 'failed', 'drained', 'locksRenewed'] as const) {
      this.#worker.on(event, beat);
    }
    // Idle workers block (in Redis, or on a LISTEN in PostgreSQL) without events; a ping keeps the heartbeat honest.
    const interval = Math.min(Math.max(Math.floor(policy.leaseMs / 2), 100), 10_000);
    this.#heartbeatTimer = setInterval(() => {
      withTimeout(options.client.ping(), interval, () => new Error('ping timed out')).then(beat, () => {});
    }, interval);
  }

  lastHeartbeat(): Date | undefined {
    return this.#heartbeat;
  }

  activeCount(): number {
    return this.#active;
  }

  stop(timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    this.#stopped ??= this.#drain(timeoutMs);
    return this.#stopped;
  }

  async #drain(timeoutMs: number): Promise<void> {
    clearInterval(this.#heartbeatTimer);
    // close() stops fetching at once, then waits for running jobs (their locks are renewed meanwhile).
    const closing = this.#worker.close();
    let closed = await settleWithin(closing, timeoutMs);
    if (!closed) {
      const reason = consumerStopping();
      for (const id of [...this.#controllers.keys()]) this.#abort(id, reason);
      closed = await settleWithin(closing, ABORT_GRACE_MS);
    }
    // When handlers ignored the abort, cutting the connection stops their lock renewal: the locks expire and
    // another worker's stalled check re-delivers the jobs.
    await this.#options.client.close(closed ? 1_000 : 0);
    this.#options.onStopped();
  }

  async #process(job: Job<BullmqJobPayload, void>): Promise<void> {
    const id = job.id ?? '';
    const controller = new AbortController();
    this.#controllers.set(id, controller);
    this.#active++;
    const claimed = toClaimedJob(job, this.#options.policy);
    try {
      await this.#handler(claimed, controller.signal);
    } catch (error) {
      // attempt counts deliveries (stalls included) like the embedded queue; BullMQ's own count ignores stalls.
      if (claimed.attempt >= claimed.maxAttempts) throw new UnrecoverableError(describeError(error));
      throw error instanceof Error ? error : new Error(describeError(error));
    } finally {
      this.#active--;
      this.#controllers.delete(id);
    }
  }

  #abort(id: string, reason: ThumbsmithError): void {
    const controller = this.#controllers.get(id);
    this.#controllers.delete(id);
    controller?.abort(reason);
  }
}

function toClaimedJob(job: Job<BullmqJobPayload, void>, policy: RetryPolicy): ClaimedJob {
  // The payload was written by enqueue() from a typed JobItem, so name and data agree.
  return {
    id: job.data.jobId,
    name: job.name,
    data: job.data.data,
    attempt: deliveries(job, job.attemptsMade + 1),
    maxAttempts: job.opts.attempts ?? policy.maxAttempts,
    enqueuedAt: new Date(job.timestamp),
    carrier: job.data.carrier ?? {},
  } as ClaimedJob;
}

/** Deliveries so far, including this one: BullMQ's attemptsStarted counts every move to active, stalls included. */
function deliveries(job: object | undefined, fallback: number): number {
  if (job && 'attemptsStarted' in job && typeof job.attemptsStarted === 'number' && job.attemptsStarted > 0) {
    return job.attemptsStarted;
  }
  return fallback;
}
