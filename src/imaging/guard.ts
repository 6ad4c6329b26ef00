import { ThumbsmithError } from '../domain/errors.js';
import { withDeadline } from '../lib/timeout.js';

/**
 * The job's time budget and abort signal. Steps call `check()` between operations and wrap native work in `race()`,
 * so a timed-out or cancelled render returns at once (libvips finishes or is killed by its own timeout in the
 * background; its result is discarded).
 */
export class RenderGuard {
  readonly #deadline: number | undefined;
  readonly #signal: AbortSignal | undefined;
  #deadlineSignal: AbortSignal | undefined;

  constructor(options: { signal?: AbortSignal; timeoutMs?: number } = {}) {
    this.#deadline = options.timeoutMs === undefined ? undefined : Date.now() + Math.max(0, options.timeoutMs);
    this.#signal = options.signal;
  }

  /** Throws `TS_RENDER_TIMEOUT` when the budget is spent or the signal aborted. */
  check(step: string): void {
    if (this.#signal?.aborted) throw this.#timeout(`Rendering was cancelled before ${step}`);
    if (this.#deadline !== undefined && Date.now() >= this.#deadline) {
      throw this.#timeout(`Rendering ran out of time before ${step}`);
    }
  }

  /**
   * Aborts when the budget is spent or the job's signal aborts; for work that can really be stopped (a worker thread
   * is terminated). `undefined` when there is neither a deadline nor a signal.
   */
  get signal(): AbortSignal | undefined {
    if (this.#deadline === undefined) return this.#signal;
    this.#deadlineSignal ??= AbortSignal.timeout(Math.max(0, this.#deadline - Date.now()));
    return this.#signal ? AbortSignal.any([this.#signal, this.#deadlineSignal]) : this.#deadlineSignal;
  }

  /** Whole seconds for sharp's `timeout()`; 0 (no limit) when there is no deadline. */
  get sharpTimeoutSeconds(): number {
    if (this.#deadline === undefined) return 0;
    return Math.max(1, Math.ceil((this.#deadline - Date.now()) / 1000));
  }

  /** Settles with `work`, or rejects with `TS_RENDER_TIMEOUT` as soon as the deadline passes or the signal aborts. */
  async race<T>(step: string, work: Promise<T>): Promise<T> {
    this.check(step);
    const deadline = this.#deadline;
    return withDeadline(work, {
      ...(deadline !== undefined && {
        timeout: { ms: deadline - Date.now(), error: () => this.#timeout(`Rendering ran out of time during ${step}`) },
      }),
      ...(this.#signal && {
        abort: { signal: this.#signal, error: () => this.#timeout(`Rendering was cancelled during ${step}`) },
      }),
    });
  }

  #timeout(detail: string): ThumbsmithError {
    const reason = this.#signal?.aborted ? this.#signal.reason : undefined;
    return new ThumbsmithError('TS_RENDER_TIMEOUT', detail, reason === undefined ? undefined : { cause: reason });
  }
}
