import type { OpenContext } from '../../lib/closers.js';
import type { ImageEvents } from '../../ports/image-events.js';
import { createRedisImageEvents } from './redis-image-events.js';

/** The Redis the queue uses: the events share its URL and key prefix. */
export interface RedisEventsSection {
  url: string;
  prefix: string;
}

/** Status events over Redis pub/sub (scale-out: API and workers are separate processes). */
export function open({ url, prefix }: RedisEventsSection, { logger, closers }: OpenContext): ImageEvents {
  const events = createRedisImageEvents({
    url,
    channel: `${prefix}:image-events`,
    onError: (error) => logger.warn({ err: error }, 'image events connection error'),
  });
  closers.add('image events', () => events.close());
  return events;
}
