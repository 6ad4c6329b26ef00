import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { withTimeout } from '../../lib/timeout.js';
import { RATE_LIMIT_WINDOW_SECONDS, type RateLimitStore, windowState } from '../../ports/rate-limit-store.js';

export interface RedisRateLimitStoreOptions {
  /** `redis://…` */
  url: string;
  /** Key prefix; one per deployment sharing a Redis (e.g. `<QUEUE_PREFIX>:rate-limit`). */
  prefix: string;
  /** Bound on one count while Redis is slow or away; past it `consume` rejects. @defaultValue 500 */
  timeoutMs?: number;
  /** Connection errors ioredis survives (it reconnects on its own). @defaultValue ignore */
  onError?: (error: unknown) => void;
}

export interface ClosableRateLimitStore extends RateLimitStore {
  close(): Promise<void>;
}

/**
 * RateLimitStore in Redis (rate-limiter-flexible's Redis limiter: one atomic script per count), so every API process
 * using the same Redis and prefix shares one count per key. While Redis is away a count rejects at once (no offline
 * queue) or after `timeoutMs`: the caller decides what an unknown count means.
 */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): ClosableRateLimitStore {
  const timeoutMs = options.timeoutMs ?? 500;
  const client = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', options.onError ?? (() => {}));
  // The first counts wait for the first connection: without an offline queue they would otherwise be refused.
  let connected: Promise<void> | undefined;
  const connect = () => {
    connected ??= client.connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    });
    return connected;
  };
  const limiters = new Map<number, RateLimiterRedis>();
  const limiterFor = (limit: number) => {
    let limiter = limiters.get(limit);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: client,
        points: limit,
        duration: RATE_LIMIT_WINDOW_SECONDS,
        keyPrefix: `${options.prefix}:${limit}`,
        rejectIfRedisNotReady: true,
      });
      limiters.set(limit, limiter);
    }
    return limiter;
  };
  return {
    async consume(key, limit) {
      const count = async () => {
        if (client.status !== 'ready') await connect();
        // The limiter resolves an allowed request and rejects a refused one, both with the window's count.
        return limiterFor(limit)
          .consume(key)
          .catch((refused: unknown) => {
            if (refused instanceof RateLimiterRes) return refused;
            throw refused;
          });
      };
      const counted = await withTimeout(
        count(),
        timeoutMs,
        () => new Error(`Redis rate-limit count took longer than ${timeoutMs} ms`),
      );
      return windowState(limit, counted.consumedPoints, counted.msBeforeNext);
    },
    async close() {
      client.disconnect();
    },
  };
}
