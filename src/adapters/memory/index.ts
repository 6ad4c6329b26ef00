import type { OpenContext } from '../../lib/closers.js';
import type { ImageEventRetention, ImageEvents } from '../../ports/image-events.js';
import type { RateLimitStore } from '../../ports/rate-limit-store.js';
import { createMemoryImageEvents } from './memory-image-events.js';
import { createMemoryRateLimitStore } from './memory-rate-limit-store.js';

/** Status events inside this process (the embedded default). */
export function open(retention: ImageEventRetention, { closers }: Pick<OpenContext, 'closers'>): ImageEvents {
  const events = createMemoryImageEvents(retention);
  closers.add('image events', () => events.close());
  return events;
}

/** Rate-limit counts inside this process (no shared store configured). */
export function openRateLimitStore(): RateLimitStore {
  return createMemoryRateLimitStore();
}
