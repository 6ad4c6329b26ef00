import type { OpenContext } from '../../lib/closers.js';
import type { ImageEventRetention, ImageEvents } from '../../ports/image-events.js';
import type { RateLimitStore } from '../../ports/rate-limit-store.js';
import { createRedisImageEvents } from './redis-image-events.js';
import { createRedisRateLimitStore } from './redis-rate-limit-store.js';

/** The Redis the queue uses: the events (and by default the rate-limit counts) share its URL and key prefix. */
export interface RedisSection {
  url: string;
  prefix: string;
}

/** The events' Redis, and how long events are kept. */
export interface RedisEventsSection extends RedisSection, ImageEventRetention {}

/** Status events on a Redis stream (scale-out: API and workers are separate processes). */
export function open({ url, prefix, ...retention }: RedisEventsSection, { logger, closers }: OpenContext): ImageEvents {
  const events = createRedisImageEvents({
    url,
    key: `${prefix}:image-events`,
    ...retention,
    onError: (error) => logger.warn({ err: error }, 'image events connection error'),
  });
  closers.add('image events', () => events.close());
  return events;
}

/** Rate-limit counts shared by every API process using this Redis and prefix. */
export function openRateLimitStore({ url, prefix }: RedisSection, { logger, closers }: OpenContext): RateLimitStore {
  const store = createRedisRateLimitStore({
    url,
    prefix: `${prefix}:rate-limit`,
    onError: (error) => logger.warn({ err: error }, 'rate-limit store connection error'),
  });
  closers.add('rate-limit store', () => store.close());
  return store;
}
