import type { OpenContext } from '../../lib/closers.js';
import type { ImageEvents } from '../../ports/image-events.js';
import { createMemoryImageEvents } from './memory-image-events.js';

/** Status events inside this process (the embedded default). */
export function open(_section: object, { closers }: Pick<OpenContext, 'closers'>): ImageEvents {
  const events = createMemoryImageEvents();
  closers.add('image events', () => events.close());
  return events;
}
