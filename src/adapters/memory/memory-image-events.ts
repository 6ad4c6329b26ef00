import type { ImageEvent, ImageEventListener, ImageEvents } from '../../ports/image-events.js';

/**
 * ImageEvents inside one process (the embedded default: API and workers share the process). Listeners run on a later
 * microtask, never inside `publish`, so a slow or throwing listener cannot delay or break the publisher.
 */
export function createMemoryImageEvents(): ImageEvents {
  return new MemoryImageEvents();
}

class MemoryImageEvents implements ImageEvents {
  readonly #listeners = new Set<ImageEventListener>();

  async publish(event: ImageEvent): Promise<void> {
    const frozen = Object.freeze({ ...event });
    for (const listener of [...this.#listeners]) {
      queueMicrotask(() => {
        if (!this.#listeners.has(listener)) return;
        try {
          listener(frozen);
        } catch {
          // One listener's failure is its own; the others still hear the event.
        }
      });
    }
  }

  async subscribe(listener: ImageEventListener): Promise<() => void> {
    // Wrapped so that the same function subscribed twice is two subscriptions.
    const own: ImageEventListener = (event) => listener(event);
    this.#listeners.add(own);
    return () => {
      this.#listeners.delete(own);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
