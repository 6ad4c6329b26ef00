import { Redis } from 'ioredis';
import { IMAGE_STATUSES } from '../../domain/image.js';
import { settleWithin, withTimeout } from '../../lib/timeout.js';
import type { ImageEvent, ImageEventListener, ImageEvents } from '../../ports/image-events.js';

export interface RedisImageEventsOptions {
  /** `redis://…` */
  url: string;
  /** Pub/sub channel; one per deployment sharing a Redis (e.g. `<QUEUE_PREFIX>:image-events`). */
  channel: string;
  /** Bound on a publish while Redis is slow or away. @defaultValue 2000 */
  publishTimeoutMs?: number;
  /** Connection errors ioredis survives (it reconnects and re-subscribes on its own). @defaultValue ignore */
  onError?: (error: unknown) => void;
}

/**
 * ImageEvents over Redis pub/sub (scale-out): every process publishes on one channel and holds one subscriber
 * connection that fans messages out to its in-process listeners. Pub/sub keeps no history, which matches the port's
 * at-most-once promise; a process that was disconnected misses what was published meanwhile (waiters re-read rows).
 */
export function createRedisImageEvents(options: RedisImageEventsOptions): ImageEvents {
  return new RedisImageEvents(options);
}

const KINDS: ReadonlySet<string> = new Set<string>([...IMAGE_STATUSES, 'deleted']);

class RedisImageEvents implements ImageEvents {
  readonly #options: RedisImageEventsOptions;
  readonly #publisher: Redis;
  readonly #listeners = new Set<ImageEventListener>();
  #subscriber: Redis | undefined;
  #subscribed: Promise<void> | undefined;
  #connected: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: RedisImageEventsOptions) {
    this.#options = options;
    const onError = options.onError ?? (() => {});
    // Fail fast while disconnected instead of queueing publishes until Redis is back.
    this.#publisher = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    this.#publisher.on('error', onError);
  }

  async publish(event: ImageEvent): Promise<void> {
    this.#assertOpen();
    // Every publish waits for the first connection: without an offline queue, one sent while it is still opening
    // would be refused ("Stream isn't writeable") and the event lost.
    await this.#connect();
    const timeoutMs = this.#options.publishTimeoutMs ?? 2000;
    await withTimeout(
      this.#publisher.publish(this.#options.channel, JSON.stringify(event)),
      timeoutMs,
      () => new Error(`Redis publish took longer than ${timeoutMs} ms`),
    );
  }

  async subscribe(listener: ImageEventListener): Promise<() => void> {
    this.#assertOpen();
    await this.#ensureSubscribed();
    const own: ImageEventListener = (event) => listener(event);
    this.#listeners.add(own);
    return () => {
      this.#listeners.delete(own);
    };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#listeners.clear();
      await Promise.allSettled([quit(this.#publisher), this.#subscriber ? quit(this.#subscriber) : undefined]);
    })();
    return this.#closed;
  }

  #connect(): Promise<void> {
    this.#connected ??= this.#publisher.connect().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    return this.#connected;
  }

  // One subscriber connection per process, made on first use (an API process that never waits needs none).
  #ensureSubscribed(): Promise<void> {
    this.#subscribed ??= (async () => {
      const subscriber = new Redis(this.#options.url, { maxRetriesPerRequest: null });
      this.#subscriber = subscriber;
      subscriber.on('error', this.#options.onError ?? (() => {}));
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== this.#options.channel) return;
        const event = parseEvent(message);
        if (!event) return;
        for (const listener of [...this.#listeners]) {
          try {
            listener(event);
          } catch {
            // One listener's failure is its own.
          }
        }
      });
      await subscriber.subscribe(this.#options.channel);
    })().catch((error: unknown) => {
      // Let the next subscribe try again instead of remembering the failure forever.
      this.#subscribed = undefined;
      const subscriber = this.#subscriber;
      this.#subscriber = undefined;
      subscriber?.disconnect();
      throw error;
    });
    return this.#subscribed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('The image event transport is closed');
  }
}

function parseEvent(message: string): ImageEvent | undefined {
  try {
    const value = JSON.parse(message) as Partial<ImageEvent>;
    if (
      typeof value.id === 'string' &&
      typeof value.tenant === 'string' &&
      typeof value.imageId === 'string' &&
      typeof value.kind === 'string' &&
      KINDS.has(value.kind) &&
      typeof value.at === 'string'
    ) {
      return Object.freeze({
        id: value.id,
        tenant: value.tenant,
        imageId: value.imageId,
        kind: value.kind,
        at: value.at,
      });
    }
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await settleWithin(client.quit(), 1000);
  }
  client.disconnect();
}
