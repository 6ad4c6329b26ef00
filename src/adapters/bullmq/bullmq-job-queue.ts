import { type IQueueBackend, Queue } from 'bullmq';
import { errorReason } from '../../domain/dependency-errors.js';
import { ThumbsmithError } from '../../domain/errors.js';
import { withTimeout } from '../../lib/timeout.js';
import {
  assertConsumerOptions,
  type ConsumerOptions,
  type EnqueueOptions,
  type JobConsumer,
  type JobHandler,
  type JobItem,
  type JobQueue,
  type QueueCounts,
  type RetryPolicy,
} from '../../ports/job-queue.js';
import { type BullmqClient, type BullmqStore, openBullmqClient } from './bullmq-connection.js';
import { BullmqJobConsumer } from './bullmq-job-consumer.js';
import { type BullmqJobPayload, toBullmqJobId } from './bullmq-job-payload.js';

export interface BullmqJobQueueOptions {
  /** Redis (keys under a prefix) or PostgreSQL (tables in a schema); give each deployment (and each test) its own. */
  store: BullmqStore;
  /** @defaultValue 'jobs' */
  queueName?: string;
  policy: RetryPolicy;
  /**
   * Bound on enqueue, counts and ping: past it they reject with `TS_QUEUE_UNAVAILABLE` (the store is down or
   * unreachable).
   * @defaultValue 5000
   */
  commandTimeoutMs?: number;
  /**
   * Dead (failed) jobs kept for inspection: at most this many, for at most `deadKeepSeconds`.
   * @defaultValue 10000
   */
  deadKeepCount?: number;
  /** @defaultValue 604800 (7 days) */
  deadKeepSeconds?: number;
  /**
   * Receives connection and worker errors that BullMQ survives (it reconnects on its own).
   * @defaultValue ignore
   */
  onError?: (error: unknown) => void;
}

/**
 * The scale-out queue: BullMQ on Redis or on PostgreSQL (BullMQ's own two backends behind the same Queue and
 * Worker). Same semantics as the embedded queue (see the JobQueue port): `attempt` counts deliveries including
 * re-deliveries after a crashed worker's lock expired (BullMQ's `attemptsStarted`); a throw at
 * `attempt >= maxAttempts` makes the job dead (BullMQ's failed set, kept bounded); enqueueing the id of a dead job
 * replaces it.
 */
export function createBullmqJobQueue(options: BullmqJobQueueOptions): JobQueue {
  return new BullmqJobQueue(options);
}

/** A Queue of our payloads on either backend. */
type BullmqQueue = Queue<BullmqJobPayload, void, string, BullmqJobPayload, void, string, IQueueBackend, unknown>;

class BullmqJobQueue implements JobQueue {
  readonly #options: BullmqJobQueueOptions;
  readonly #queueName: string;
  readonly #timeoutMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #client: BullmqClient;
  readonly #queue: BullmqQueue;
  readonly #consumers = new Set<BullmqJobConsumer>();
  #closed: Promise<void> | undefined;

  constructor(options: BullmqJobQueueOptions) {
    this.#options = options;
    this.#queueName = options.queueName ?? 'jobs';
    this.#timeoutMs = options.commandTimeoutMs ?? 5_000;
    this.#onError = options.onError ?? (() => {});
    this.#client = openBullmqClient(options.store, 'producer', this.#onError);
    this.#queue = new Queue(this.#queueName, this.#client.options, this.#client.backend) as BullmqQueue;
    this.#queue.on('error', this.#onError);
  }

  /**
   * Adds the job unless one with the same id is waiting, delayed or running (BullMQ ignores a duplicate id).
   * BullMQ would also ignore it while the old job sits in the failed set, so a dead job is removed first.
   */
  async enqueue(job: JobItem, options: EnqueueOptions): Promise<void> {
    this.#assertOpen();
    const jobId = toBullmqJobId(options.jobId);
    const payload: BullmqJobPayload = { jobId: options.jobId, data: job.data, carrier: options.carrier ?? {} };
    await this.#bounded('enqueue', async () => {
      const state = await this.#queue.getJobState(jobId);
      if (state === 'failed' || state === 'completed') await this.#queue.remove(jobId);
      await this.#queue.add(job.name, payload, {
        jobId,
        attempts: this.#options.policy.maxAttempts,
        // A type BullMQ does not know routes to the Worker's backoffStrategy, i.e. policy.backoffMs.
        backoff: { type: 'policy' },
        removeOnComplete: true,
        removeOnFail: { count: this.#options.deadKeepCount ?? 10_000, age: this.#options.deadKeepSeconds ?? 604_800 },
      });
    });
  }

  /** Starts a BullMQ Worker on its own connection, running up to `concurrency` handlers at once. */
  consume(handler: JobHandler, options: ConsumerOptions): JobConsumer {
    this.#assertOpen();
    assertConsumerOptions(options);
    const consumer: BullmqJobConsumer = new BullmqJobConsumer(handler, {
      queueName: this.#queueName,
      client: openBullmqClient(this.#options.store, 'consumer', this.#onError),
      concurrency: options.concurrency,
      policy: this.#options.policy,
      onError: this.#onError,
      onStopped: () => this.#consumers.delete(consumer),
    });
    this.#consumers.add(consumer);
    return consumer;
  }

  /** BullMQ's counts; `waiting` includes prioritized jobs (and a paused queue's), `dead` is the failed set. */
  async counts(): Promise<QueueCounts> {
    return this.#bounded('count jobs', async () => {
      const counts = await this.#queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
      const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
      // The wait list's far end is its oldest entry.
      const [oldest] = (counts.wait ?? 0) > 0 ? await this.#queue.getJobs(['wait'], 0, 0, true) : [];
      return {
        waiting,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        dead: counts.failed ?? 0,
        oldestWaitingAgeMs: oldest ? Math.max(0, Date.now() - oldest.timestamp) : 0,
      };
    });
  }

  async ping(): Promise<void> {
    await this.#bounded(`reach ${this.#client.system}`, async () => {
      // Waits out the first connect (bounded by the timeout); the producer client fails fast after that.
      await this.#queue.waitUntilReady();
      await this.#client.ping();
    });
  }

  /** Stops every consumer (graceful, default timeout), then closes the producer connection. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
    try {
      await withTimeout(this.#queue.close(), this.#timeoutMs, () => new Error('closing the queue timed out'));
    } catch (error) {
      this.#onError(error);
    }
    await this.#client.close();
  }

  async #bounded<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(
        work(),
        this.#timeoutMs,
        () =>
          new ThumbsmithError(
            'TS_QUEUE_UNAVAILABLE',
            `Could not ${action}: ${this.#client.system} did not answer in time`,
          ),
      );
    } catch (error) {
      if (error instanceof ThumbsmithError) throw error;
      // The message names the server's address (`connect ECONNREFUSED 10.0.0.6:6379`): only the code goes in the detail.
      throw new ThumbsmithError('TS_QUEUE_UNAVAILABLE', `Could not ${action} (${errorReason(error)}).`, {
        cause: error,
      });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ThumbsmithError('TS_SHUTTING_DOWN', 'The job queue is closed');
  }
}
