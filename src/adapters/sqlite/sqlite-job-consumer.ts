import { describeError } from '../../domain/errors.js';
import type { Clock } from '../../lib/clock.js';
import { settleWithin } from '../../lib/timeout.js';
import {
  type ClaimedJob,
  consumerStopping,
  DEFAULT_STOP_TIMEOUT_MS,
  type JobConsumer,
  type JobHandler,
  type RetryPolicy,
} from '../../ports/job-queue.js';
import { SqliteJobLeaseKeeper } from './sqlite-job-lease-keeper.js';
import type { ClaimedJobRow, LeaseRef, SqliteJobTable } from './sqlite-job-table.js';

export interface SqliteJobConsumerOptions {
  concurrency: number;
  policy: RetryPolicy;
  pollIntervalMs: number;
  clock: Clock;
  onError: (error: unknown) => void;
  /** Called once when the consumer stops (the queue unsubscribes it from wake-ups). */
  onStopped: () => void;
}

interface RunningJob {
  lease: LeaseRef;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The claim loop of the embedded queue. It claims as many due jobs as it has free slots in one statement, runs
 * them, and claims again as soon as a slot frees up. When the table has nothing due it sleeps `pollIntervalMs`,
 * unless `wake()` (an in-process enqueue) cuts the sleep short.
 */
export class SqliteJobConsumer implements JobConsumer {
  readonly #table: SqliteJobTable;
  readonly #handler: JobHandler;
  readonly #options: SqliteJobConsumerOptions;
  readonly #leaseKeeper: SqliteJobLeaseKeeper;
  /** By lease token (a job re-claimed after a lost lease may overlap its old run). */
  readonly #running = new Map<string, RunningJob>();
  #pollTimer: NodeJS.Timeout | undefined;
  #pumpScheduled = false;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #heartbeat: Date | undefined;

  constructor(table: SqliteJobTable, handler: JobHandler, options: SqliteJobConsumerOptions) {
    this.#table = table;
    this.#handler = handler;
    this.#options = options;
    this.#leaseKeeper = new SqliteJobLeaseKeeper(table, {
      leaseMs: options.policy.leaseMs,
      clock: options.clock,
      onRenewed: (at) => this.#beat(at),
      onError: options.onError,
    });
  }

  /** Starts claiming on the next turn of the event loop. */
  start(): void {
    this.#schedulePump();
  }

  /** A job was enqueued in this process: claim now instead of at the next poll. */
  wake(): void {
    this.#schedulePump();
  }

  lastHeartbeat(): Date | undefined {
    return this.#heartbeat;
  }

  activeCount(): number {
    return this.#running.size;
  }

  stop(timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    this.#stopped ??= this.#drain(timeoutMs);
    return this.#stopped;
  }

  async #drain(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    this.#clearPollTimer();
    this.#options.onStopped();
    const finished = await settleWithin(Promise.allSettled([...this.#running.values()].map((r) => r.done)), timeoutMs);
    if (!finished) {
      const reason = consumerStopping();
      for (const running of this.#running.values()) running.controller.abort(reason);
    }
    // Whatever still runs keeps its lease only until it expires; then another consumer gets the job.
    this.#leaseKeeper.stop();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#stopping) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#stopping) return;
    this.#clearPollTimer();
    const free = this.#options.concurrency - this.#running.size;
    // Full: a finishing job pumps again.
    if (free <= 0) return;
    const now = this.#options.clock.now();
    let rows: ClaimedJobRow[] = [];
    try {
      rows = this.#table.claim(free, now, now + this.#options.policy.leaseMs);
      this.#beat(now);
    } catch (error) {
      this.#options.onError(error);
    }
    for (const row of rows) this.#run(row);
    if (rows.length < free) {
      this.#pollTimer = setTimeout(() => this.#pump(), this.#options.pollIntervalMs);
    }
  }

  #run(row: ClaimedJobRow): void {
    const lease = { id: row.id, token: row.lease_token };
    const controller = new AbortController();
    const running: RunningJob = { lease, controller, done: Promise.resolve() };
    this.#running.set(lease.token, running);
    this.#leaseKeeper.track(lease, controller);
    running.done = this.#execute(toClaimedJob(row), lease, controller.signal);
  }

  async #execute(job: ClaimedJob, lease: LeaseRef, signal: AbortSignal): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      await this.#handler(job, signal);
    } catch (error) {
      failure = { error };
    }
    this.#leaseKeeper.untrack(lease);
    this.#running.delete(lease.token);
    // Both statements match on the lease token: after a lost lease they change nothing.
    try {
      if (failure) {
        const runAt = this.#options.clock.now() + this.#options.policy.backoffMs(job.attempt);
        this.#table.fail(lease, runAt, describeError(failure.error));
      } else {
        this.#table.ack(lease);
      }
    } catch (error) {
      this.#options.onError(error);
    }
    this.#schedulePump();
  }

  #beat(at: number): void {
    this.#heartbeat = new Date(at);
  }

  #clearPollTimer(): void {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
  }
}

function toClaimedJob(row: ClaimedJobRow): ClaimedJob {
  // The row was written by enqueue() from a typed JobItem, so name and data agree.
  return {
    id: row.id,
    name: row.name,
    data: JSON.parse(row.data),
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    enqueuedAt: new Date(row.enqueued_at),
    carrier: JSON.parse(row.carrier) as Record<string, string>,
  } as ClaimedJob;
}
