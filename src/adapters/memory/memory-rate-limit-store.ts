import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RATE_LIMIT_WINDOW_SECONDS, type RateLimitStore, windowState } from '../../ports/rate-limit-store.js';

/**
 * RateLimitStore inside one process (rate-limiter-flexible's memory limiter): each API process counts on its own,
 * so N processes allow N times a limit in total. A key's count is dropped when its window ends.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const limiters = new Map<number, RateLimiterMemory>();
  return {
    async consume(key, limit) {
      let limiter = limiters.get(limit);
      if (!limiter) {
        limiter = new RateLimiterMemory({ points: limit, duration: RATE_LIMIT_WINDOW_SECONDS, keyPrefix: `${limit}` });
        limiters.set(limit, limiter);
      }
      // The limiter resolves an allowed request and rejects a refused one, both with the window's count.
      const counted = await limiter.consume(key).catch((refused: unknown) => {
        if (refused instanceof RateLimiterRes) return refused;
        throw refused;
      });
      return windowState(limit, counted.consumedPoints, counted.msBeforeNext);
    },
  };
}
