import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../../lib/clock.js';
import type {
  ImageEvent,
  ImageEventListener,
  ImageEventRetention,
  ImageEvents,
  ImageSubscription,
  NewImageEvent,
  SubscribeOptions,
} from '../../ports/image-events.js';

export interface MemoryImageEventsOptions extends ImageEventRetention {
  clock?: Clock;
}

/**
 * ImageEvents inside one process (the embedded default: API and workers share the process). Listeners run on a later
 * microtask, never inside `publish`, so a slow or throwing listener cannot delay or break the publisher.
 *
 * Ids are `<run>.<sequence>`: the run is random per instance, so an id from before a restart (or from any other
 * process) is recognised as unknown instead of being compared with a sequence that started again at 1.
 */
export function createMemoryImageEvents(options: MemoryImageEventsOptions): ImageEvents {
  return new MemoryImageEvents(options);
}

interface Retained {
  readonly sequence: number;
  readonly publishedAt: number;
  readonly event: ImageEvent;
}

// At most 15 digits: stays an exact integer, and a huge id is rejected before any arithmetic.
const ID = /^([0-9a-f]{16})\.([1-9][0-9]{0,14})$/;

class MemoryImageEvents implements ImageEvents {
  readonly #listeners = new Set<ImageEventListener>();
  readonly #run = randomBytes(8).toString('hex');
  readonly #retention: ImageEventRetention;
  readonly #clock: Clock;
  /** Oldest first; `#head` is the first live entry (dropped entries are cut off in batches, not one shift each). */
  #retained: Retained[] = [];
  #head = 0;
  #sequence = 0;
  /** The highest sequence no longer retained: a resume from before it may have missed events. */
  #dropped = 0;

  constructor(options: MemoryImageEventsOptions) {
    this.#retention = { retentionMs: options.retentionMs, maxCount: options.maxCount };
    this.#clock = options.clock ?? systemClock;
  }

  async publish(event: NewImageEvent): Promise<ImageEvent> {
    this.#sequence += 1;
    const published = Object.freeze({ ...event, id: `${this.#run}.${this.#sequence}` });
    this.#retained.push({ sequence: this.#sequence, publishedAt: this.#clock.now(), event: published });
    this.#trim();
    for (const listener of [...this.#listeners]) this.#deliver(listener, published);
    return published;
  }

  async subscribe(listener: ImageEventListener, options: SubscribeOptions = {}): Promise<ImageSubscription> {
    // Wrapped so that the same function subscribed twice is two subscriptions.
    const own: ImageEventListener = (event) => listener(event);
    const unsubscribe = () => {
      this.#listeners.delete(own);
    };
    // Replay and registration happen in one synchronous step: nothing can be published between the two.
    this.#trim();
    const after = options.after === undefined ? undefined : this.#sequenceOf(options.after);
    const resumed = options.after === undefined || (after !== undefined && after >= this.#dropped);
    if (resumed && after !== undefined) {
      for (let index = this.#head; index < this.#retained.length; index += 1) {
        const entry = this.#retained[index] as Retained;
        if (entry.sequence > after) this.#deliver(own, entry.event);
      }
    }
    this.#listeners.add(own);
    return { unsubscribe, resumed };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  /** The sequence of an id this instance made (and has reached), else undefined. */
  #sequenceOf(id: string): number | undefined {
    const match = ID.exec(id);
    if (!match || match[1] !== this.#run) return undefined;
    const sequence = Number(match[2]);
    return sequence <= this.#sequence ? sequence : undefined;
  }

  #deliver(listener: ImageEventListener, event: ImageEvent): void {
    queueMicrotask(() => {
      if (!this.#listeners.has(listener)) return;
      try {
        listener(event);
      } catch {
        // One listener's failure is its own; the others still hear the event.
      }
    });
  }

  #trim(): void {
    const oldest = this.#clock.now() - this.#retention.retentionMs;
    while (this.#head < this.#retained.length) {
      const entry = this.#retained[this.#head] as Retained;
      const kept = this.#retained.length - this.#head;
      if (kept <= this.#retention.maxCount && entry.publishedAt > oldest) break;
      this.#dropped = entry.sequence;
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#retained.length) {
      this.#retained = this.#retained.slice(this.#head);
      this.#head = 0;
    }
  }
}
