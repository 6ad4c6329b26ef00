import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, type Image, isFinal, type ThumbsmithClient, WAIT_SECONDS } from './api-client.js';

const FIRST_PAUSE_MS = 500;
const LONGEST_PAUSE_MS = 5_000;
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 2_000;

/**
 * Rides out a server that is away (restarting) or busy, for every call of one command: a transient failure (no
 * connection, `429`, `502`–`504`, `503` while it shuts down) is retried with backoff (or after `Retry-After`) until
 * the server answers again or has been away for `windowMs`. The clock is shared, so once the server has been gone
 * that long every call gives up at once instead of each waiting its own window.
 */
export class Outage {
  readonly windowMs: number;
  readonly signal: AbortSignal;
  #since: number | undefined;
  #retries = 0;
  #reason = '';

  constructor(windowMs: number, signal: AbortSignal) {
    this.windowMs = windowMs;
    this.signal = signal;
  }

  /** `server unreachable, retrying (3)…` while calls are being retried; `null` while the server answers. */
  get note(): string | null {
    return this.#since === undefined ? null : `${this.#reason}, retrying (${this.#retries})…`;
  }

  /** `task`'s result, retrying transient failures; throws the last failure once the window (or `deadline`) passed. */
  async retry<T>(task: () => Promise<T>, deadline = Number.POSITIVE_INFINITY): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await task();
        this.#since = undefined;
        this.#retries = 0;
        return result;
      } catch (error) {
        if (!(error instanceof ClientError) || !error.transient || this.signal.aborted) throw error;
        const now = Date.now();
        this.#since ??= now;
        this.#retries++;
        this.#reason = error.status === 429 || error.status === 503 ? 'server busy' : 'server unreachable';
        const pause = error.retryAfterMs ?? Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** attempt);
        if (now + pause - this.#since > this.windowMs || now + pause > deadline) throw error;
        await sleep(pause, undefined, { signal: this.signal });
      }
    }
  }
}

/**
 * Waits until the image is `done` or `failed`, at most `timeoutMs`, and returns it as it then is; long-polls
 * `?wait=`, and polls a little slower each time on a server without it. Calls go through `outage`, so a restart of
 * the server only pauses the wait. Throws when the server could not be read at all before the deadline.
 */
export async function waitFinal(
  client: ThumbsmithClient,
  id: string,
  timeoutMs: number,
  outage: Outage,
): Promise<Image> {
  const deadline = Date.now() + timeoutMs;
  let pause = POLL_FIRST_MS;
  for (;;) {
    const started = Date.now();
    const image = await outage.retry(() => {
      const seconds = Math.max(1, Math.min(WAIT_SECONDS, Math.floor((deadline - Date.now()) / 1000)));
      return client.getImage(id, seconds, outage.signal);
    }, deadline);
    if (isFinal(image) || Date.now() >= deadline) return image;
    if (Date.now() - started < 500) {
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())), undefined, { signal: outage.signal });
      pause = Math.min(pause * 1.5, POLL_MAX_MS);
    }
  }
}
