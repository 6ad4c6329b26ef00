import type { Clock } from '../../src/lib/clock.js';

/**
 * The system clock plus however far a test has stepped it forward: time keeps flowing (leases are renewed on real
 * timers), and `advance` jumps over a backoff or a lease expiry at once instead of sleeping through it.
 */
export class SteppedClock implements Clock {
  #offsetMs = 0;

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}
