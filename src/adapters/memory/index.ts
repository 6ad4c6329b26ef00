import type { OpenContext } from '../../lib/closers.js';
import type { ImageEventRetention, ImageEvents } from '../../ports/image-events.js';
import { createMemoryImageEvents } from './memory-image-events.js';

/** Status events inside this process (the embedded default). */
export function open(retention: ImageEventRetention, { closers }: Pick<OpenContext, 'closers'>): ImageEvents {
  const events = createMemoryImageEvents(retention);
  closers.add('image events', () => events.close());
  return events;
}
