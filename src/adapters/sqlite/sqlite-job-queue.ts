import type BetterSqlite3 from 'better-sqlite3';
import { errorReason, isStorageFull, storageFullError } from '../../domain/dependency-errors.js';
import { ThumbsmithError } from '../../domain/errors.js';
import { type Clock, systemClock } from '../../lib/clock.js';
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
import { SqliteJobConsumer } from './sqlite-job-consumer.js';
import { SqliteJobTable } from './sqlite-job-table.js';

export interface SqliteJobQueueOptions {
  /**
   * How long an idle consumer sleeps before looking for due jobs again. An `enqueue()` in the same process wakes
   * it at once; the interval bounds the latency for jobs from other processes, retries and expired leases.
   * @defaultValue 200
   */
  pollIntervalMs?: number;
  /** Time for run_at, leases and ages (tests step it forward instead of sleeping). @defaultValue systemClock */
  clock?: Clock;
  /**
   * Receives errors the claim loop and lease keeper survive (a busy or closed database); they retry on their own.
   * @defaultValue ignore (the consumer's heartbeat stops advancing, which readiness reports)
   */
  onError?: (error: unknown) => void;
}

/**
 * The embedded durable queue: a `jobs` table (created here if missing) in the application's SQLite file, with
 * leases that consumers renew while a handler runs.
 *
 * Semantics (see the JobQueue port): at-least-once; `attempt` counts deliveries, so a job whose lease expired after
 * its last attempt (the worker crashed) is delivered once more with `attempt > maxAttempts`: the handler should
 * then record the failure and resolve. A throw at `attempt >= maxAttempts` makes the job dead; a later enqueue of
 * the same id replaces the dead row.
 *
 * The database is the caller's: `close()` stops consumers but does not close it. Expected pragmas: WAL,
 * `busy_timeout`, `synchronous=NORMAL` (better-sqlite3 is synchronous; every statement here is small and indexed).
 */
export function createSqliteJobQueue(
  database: BetterSqlite3.Database,
  policy: RetryPolicy,
  options: SqliteJobQueueOptions = {},
): JobQueue {
  return new SqliteJobQueue(database, policy, options);
}

/** In-process wake-ups, by database file, so that queues on one file in one process wake each other's consumers. */
const wakeups = new Map<string, Set<SqliteJobConsumer>>();

class SqliteJobQueue implements JobQueue {
  readonly #table: SqliteJobTable;
  readonly #fileKey: string;
  readonly #policy: RetryPolicy;
  readonly #pollIntervalMs: number;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  readonly #consumers = new Set<SqliteJobConsumer>();
  #closed: Promise<void> | undefined;

  constructor(database: BetterSqlite3.Database, policy: RetryPolicy, options: SqliteJobQueueOptions) {
    this.#table = new SqliteJobTable(database);
    this.#fileKey = database.name;
    this.#policy = policy;
    this.#pollIntervalMs = options.pollIntervalMs ?? 200;
    this.#clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? (() => {});
  }

  /** Inserts the job unless one with the same id is waiting or running (a dead one is replaced). */
  async enqueue(job: JobItem, options: EnqueueOptions): Promise<void> {
    this.#assertOpen();
    let inserted: boolean;
    try {
      inserted = this.#table.insert({
        id: options.jobId,
        name: job.name,
        data: JSON.stringify(job.data),
        carrier: JSON.stringify(options.carrier ?? {}),
        maxAttempts: this.#policy.maxAttempts,
        now: this.#clock.now(),
      });
    } catch (error) {
      throw unavailable('enqueue', error);
    }
    if (inserted) for (const consumer of wakeups.get(this.#fileKey) ?? []) consumer.wake();
  }

  /** Starts a claim loop running up to `concurrency` handlers at once. */
  consume(handler: JobHandler, options: ConsumerOptions): JobConsumer {
    this.#assertOpen();
    assertConsumerOptions(options);
    const consumer: SqliteJobConsumer = new SqliteJobConsumer(this.#table, handler, {
      concurrency: options.concurrency,
      policy: this.#policy,
      pollIntervalMs: this.#pollIntervalMs,
      clock: this.#clock,
      onError: this.#onError,
      onStopped: () => this.#forget(consumer),
    });
    this.#consumers.add(consumer);
    let subscribers = wakeups.get(this.#fileKey);
    if (!subscribers) {
      subscribers = new Set();
      wakeups.set(this.#fileKey, subscribers);
    }
    subscribers.add(consumer);
    consumer.start();
    return consumer;
  }

  /** Counts by state; `waiting` counts only due jobs, `delayed` those whose `run_at` is still ahead. */
  async counts(): Promise<QueueCounts> {
    const now = this.#clock.now();
    try {
      const counts = this.#table.counts(now);
      return {
        waiting: counts.waiting,
        active: counts.active,
        delayed: counts.delayed,
        dead: counts.dead,
        oldestWaitingAgeMs:
          counts.oldestWaitingEnqueuedAt === null ? 0 : Math.max(0, now - counts.oldestWaitingEnqueuedAt),
      };
    } catch (error) {
      throw unavailable('count jobs', error);
    }
  }

  async ping(): Promise<void> {
    try {
      this.#table.ping();
    } catch (error) {
      throw unavailable('reach the database', error);
    }
  }

  /** Stops every consumer of this queue (graceful, with their default timeout); the database stays open. */
  close(): Promise<void> {
    this.#closed ??= Promise.all([...this.#consumers].map((consumer) => consumer.stop())).then(() => {});
    return this.#closed;
  }

  #forget(consumer: SqliteJobConsumer): void {
    this.#consumers.delete(consumer);
    const subscribers = wakeups.get(this.#fileKey);
    subscribers?.delete(consumer);
    if (subscribers?.size === 0) wakeups.delete(this.#fileKey);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ThumbsmithError('TS_SHUTTING_DOWN', 'The job queue is closed');
  }
}

function unavailable(action: string, cause: unknown): ThumbsmithError {
  if (isStorageFull(cause)) return storageFullError(cause, `Could not ${action}`);
  return new ThumbsmithError('TS_QUEUE_UNAVAILABLE', `Could not ${action} (${errorReason(cause)}).`, { cause });
}
