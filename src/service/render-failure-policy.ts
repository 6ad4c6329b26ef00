import type { ErrorCode, ThumbsmithError } from '../domain/errors.js';
import type { ImageError } from '../domain/image.js';

/**
 * What the render job does with a failed attempt, decided from the error and the attempt count alone (no I/O, so it
 * is unit-tested branch by branch; the handler carries it out):
 * - `permanent`: the image's own fault (corrupt, limits, time or memory ceiling): `failed` at once, no retry;
 * - `retry`: transient, attempts left: the row goes back to `queued` with the error and the job is rethrown, so the
 *   queue delivers it again after its backoff;
 * - `outage`: transient and the last attempt, but a dependency or the process failed, not the image: the row goes back
 *   to `queued` with the error and the job is let go; the sweeper re-enqueues it once the dependency is back;
 * - `exhausted`: transient and the last attempt: `failed` with `TS_ATTEMPTS_EXHAUSTED` naming the last error.
 */
export type RenderFailureOutcome =
  | { readonly kind: 'permanent'; readonly record: ImageError }
  | { readonly kind: 'retry'; readonly record: ImageError }
  | { readonly kind: 'outage'; readonly record: ImageError }
  | { readonly kind: 'exhausted'; readonly record: ImageError };

/** Failures of a dependency or of the process, never of the image: they must not fail an image for good. */
const OUTAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TS_DATABASE_UNAVAILABLE',
  'TS_STORAGE_FULL',
  'TS_STORAGE_UNAVAILABLE',
  'TS_QUEUE_UNAVAILABLE',
  'TS_SHUTTING_DOWN',
]);

export interface FailedAttempt {
  readonly error: Pick<ThumbsmithError, 'code' | 'detail' | 'retryable'>;
  /** This delivery's attempt number (1 for the first). */
  readonly attempt: number;
  readonly maxAttempts: number;
}

export function renderFailureOutcome({ error, attempt, maxAttempts }: FailedAttempt): RenderFailureOutcome {
  const record: ImageError = { code: error.code, message: error.detail };
  if (!error.retryable) return { kind: 'permanent', record };
  if (attempt < maxAttempts) return { kind: 'retry', record };
  if (OUTAGE_CODES.has(error.code)) return { kind: 'outage', record };
  return { kind: 'exhausted', record: attemptsExhausted(record) };
}

/**
 * A delivery past the last attempt: earlier deliveries lost their lease (the worker crashed or was killed) before
 * recording an outcome, so the image fails without another try, naming the last error recorded, if any.
 */
export function isPastLastAttempt(attempt: number, maxAttempts: number): boolean {
  return attempt > maxAttempts;
}

/** The error a failed image records when its attempts ran out, naming the last error (or that none was recorded). */
export function attemptsExhausted(last: ImageError | null): ImageError {
  const reason = last ? `${last.code}: ${last.message}` : 'the worker stopped before finishing';
  return { code: 'TS_ATTEMPTS_EXHAUSTED', message: `Every attempt failed; last: ${reason}` };
}
