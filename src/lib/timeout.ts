/**
 * The one place that races work against a clock. Imports nothing of ours: every layer may use it.
 */

/** Resolves true when `promise` settles within `ms`, false when the time runs out first. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `work()`, or `onTimeout()`'s error after `ms`. The work is not cancelled (Redis calls cannot be); its late
 * rejection is swallowed so it does not surface as unhandled.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return withDeadline(work, { timeout: { ms, error: onTimeout } });
}

/** What stops waiting for work: a time limit, an abort signal, or both; each with the error it rejects with. */
export interface Deadline {
  timeout?: { ms: number; error: () => Error };
  abort?: { signal: AbortSignal; error: () => Error };
}

/**
 * `work`, or the error of whichever stop comes first (a signal already aborted does not count: check it before).
 * Like `withTimeout`, the work is not cancelled and its late rejection is swallowed.
 */
export async function withDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
  const { timeout, abort } = deadline;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    if (timeout) timer = setTimeout(() => reject(timeout.error()), timeout.ms);
    if (abort) {
      onAbort = () => reject(abort.error());
      abort.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  work.catch(() => {});
  try {
    return await Promise.race([work, stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort) abort?.signal.removeEventListener('abort', onAbort);
  }
}
