import { ThumbsmithError } from './errors.js';

/** How a job queue retries a delivery that threw: how often, how long it waits between, how long a claim lasts. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before delivery number `attempt + 1` after delivery `attempt` threw. */
  backoffMs(attempt: number): number;
  /** How long a claim lasts without renewal; renewed every `leaseMs / 2`. */
  leaseMs: number;
}

export interface BackoffOptions {
  /** Upper bound of the first delay (attempt 1) in ms. */
  baseMs: number;
  /** Cap on the exponential growth in ms. */
  maxMs: number;
}

/** The retry part of the `jobs` configuration section (extra members, such as `timeoutMs`, are ignored). */
export interface RetryPolicyConfig {
  /** Deliveries before a job is dead (the first delivery counts). */
  maxAttempts: number;
  /** Backoff `baseMs`: upper bound of the delay after the first failed attempt. */
  backoffMs: number;
  /** Backoff `maxMs`: cap on the exponential growth. */
  backoffMaxMs: number;
  /** Lease (lock) length in ms; consumers renew it every `leaseMs / 2`. */
  leaseMs: number;
}

/**
 * Delay in ms before delivery `attempt + 1`, after delivery `attempt` (1-based) threw.
 *
 * Exponential with **equal jitter**: the ceiling is `min(maxMs, baseMs * 2^(attempt - 1))` and the delay is half the
 * ceiling plus a uniformly random part of the other half. Equal rather than full jitter because a retry exists to
 * get past a transient fault: full jitter can draw ~0 ms and hit the same fault again at once, equal jitter always
 * waits at least half the ceiling while still spreading a thundering herd over the other half.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^exponent overflows to Infinity for huge attempts; min() with maxMs keeps the result finite.
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}

/** The queue's retry policy from configuration; `random` is injectable for deterministic tests. */
export function createRetryPolicy(config: RetryPolicyConfig, random: () => number = Math.random): RetryPolicy {
  requirePositiveInteger('maxAttempts', config.maxAttempts);
  requirePositiveInteger('leaseMs', config.leaseMs);
  requirePositiveInteger('backoffMs', config.backoffMs);
  requirePositiveInteger('backoffMaxMs', config.backoffMaxMs);
  if (config.backoffMaxMs < config.backoffMs) {
    throw new ThumbsmithError(
      'TS_VALIDATION',
      `Expected backoffMaxMs >= backoffMs but received ${config.backoffMaxMs} < ${config.backoffMs}`,
    );
  }
  const backoff: BackoffOptions = Object.freeze({ baseMs: config.backoffMs, maxMs: config.backoffMaxMs });
  return Object.freeze({
    maxAttempts: config.maxAttempts,
    leaseMs: config.leaseMs,
    backoffMs: (attempt: number) => backoffDelay(attempt, backoff, random),
  });
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ThumbsmithError('TS_VALIDATION', `Expected positive integer for ${name} but received ${value}`);
  }
}
