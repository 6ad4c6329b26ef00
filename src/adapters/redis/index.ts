import type { OpenContext } from '../../lib/closers.js';
import type { ImageEventRetention, ImageEvents } from '../../ports/image-events.js';
import { createRedisImageEvents } from './redis-image-events.js';

/** The Redis the queue uses (the events share its URL and key prefix), and how long events are kept. */
export interface RedisEventsSection extends ImageEventRetention {
  url: string;
  prefix: string;
}

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
