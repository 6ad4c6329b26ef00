/** One request counted against a limit: what the `RateLimit` header and a `429` tell the client. */
export interface RateLimitState {
  /** False when the key had used its whole allowance for the current window before this request. */
  readonly allowed: boolean;
  /** Requests still allowed in the current window after this one (0 when refused). */
  readonly remaining: number;
  /** Whole seconds until the current window ends and the full allowance is back (at least 1). */
  readonly resetSeconds: number;
}

/** The window every limit is counted over: a minute, as the `*_PER_MINUTE` variables say. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

/**
 * Counts requests per key in fixed windows of `RATE_LIMIT_WINDOW_SECONDS` (a key's window starts at its first
 * request and the count starts over when it ends): a client may use its whole allowance at once, then waits for the
 * window's end. Every process given the same store (the Redis adapter) shares one count per key; the memory adapter
 * counts inside one process. A refused request counts too (it does not move the window). Rejects only when the store
 * itself cannot answer (unreachable, too slow), never because a limit is reached.
 */
export interface RateLimitStore {
  /** Counts one request for `key` under a limit of `limit` (≥ 1) per window. */
  consume(key: string, limit: number): Promise<RateLimitState>;
}

/** The state after a request, from what a window store holds: the window's count (this request included). */
export function windowState(limit: number, counted: number, msUntilReset: number): RateLimitState {
  return {
    allowed: counted <= limit,
    remaining: Math.max(0, limit - counted),
    resetSeconds: Math.max(1, Math.ceil(msUntilReset / 1000)),
  };
}
