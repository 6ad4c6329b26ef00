import { ThumbsmithError } from '../../domain/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { LeaseRef } from './sqlite-job-table.js';

/** What the lease keeper needs from the queue table (narrow on purpose, like BullMQ's lock-manager context). */
export interface LeaseRenewer {
  /** Extends the given leases until `leaseUntil`; returns the leases that were lost. */
  renew(leases: readonly LeaseRef[], leaseUntil: number): LeaseRef[];
}

export interface LeaseKeeperOptions {
  leaseMs: number;
  clock: Clock;
  /** Called after every successful renewal round (the consumer's heartbeat). */
  onRenewed: (at: number) => void;
  onError: (error: unknown) => void;
}

interface TrackedLease {
  lease: LeaseRef;
  controller: AbortController;
}

/**
 * Keeps the leases of running jobs alive: every `leaseMs / 2` it renews all of them in one transaction, and aborts
 * the signal of any job whose lease turns out to be lost (it expired and another consumer claimed the job).
 * The timer runs only while something is tracked. Leases are keyed by token, not job id: after a lost lease the same
 * job may be claimed again while the old handler is still winding down.
 */
export class SqliteJobLeaseKeeper {
  readonly #renewer: LeaseRenewer;
  readonly #options: LeaseKeeperOptions;
  /** By lease token. */
  readonly #tracked = new Map<string, TrackedLease>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(renewer: LeaseRenewer, options: LeaseKeeperOptions) {
    this.#renewer = renewer;
    this.#options = options;
  }

  track(lease: LeaseRef, controller: AbortController): void {
    if (this.#stopped) return;
    this.#tracked.set(lease.token, { lease, controller });
    this.#timer ??= setInterval(() => this.#renewAll(), Math.max(1, Math.floor(this.#options.leaseMs / 2)));
  }

  untrack(lease: LeaseRef): void {
    this.#tracked.delete(lease.token);
    if (this.#tracked.size === 0) this.#clearTimer();
  }

  /** Stops renewing; the leases still held expire by themselves. */
  stop(): void {
    this.#stopped = true;
    this.#tracked.clear();
    this.#clearTimer();
  }

  #renewAll(): void {
    if (this.#tracked.size === 0) return;
    const leases = [...this.#tracked.values()].map((tracked) => tracked.lease);
    const now = this.#options.clock.now();
    let lost: LeaseRef[];
    try {
      lost = this.#renewer.renew(leases, now + this.#options.leaseMs);
    } catch (error) {
      // Keep trying: a busy database now may answer at the next tick, before the lease runs out.
      this.#options.onError(error);
      return;
    }
    this.#options.onRenewed(now);
    for (const lease of lost) {
      const tracked = this.#tracked.get(lease.token);
      if (!tracked) continue;
      this.untrack(lease);
      tracked.controller.abort(
        new ThumbsmithError('TS_QUEUE_UNAVAILABLE', `The lease on job ${lease.id} was lost; another worker may run it`),
      );
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
