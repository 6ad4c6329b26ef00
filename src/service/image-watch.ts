import { ThumbsmithError } from '../domain/errors.js';
import type { ImageRecord } from '../domain/image.js';
import type { ImageEvent, ImageEvents, ImageSubscription } from '../ports/image-events.js';
import type { ImageStore } from '../ports/image-store.js';
import type { Logger } from '../telemetry/logger.js';

export interface ImageWatcherDeps {
  images: ImageStore;
  events: ImageEvents;
  logger: Logger;
  /**
   * A waiter re-reads the row at least this often, whatever the events say: events are at most once (a Redis
   * reconnect loses some) and processes on one SQLite file without Redis do not share events at all.
   * @defaultValue 2000
   */
  recheckMs?: number;
}

/** The longest `?wait=` the API accepts, in seconds. */
export const MAX_WAIT_SECONDS = 30;

export const isFinal = (image: ImageRecord): boolean => image.status === 'done' || image.status === 'failed';

/** Waiting for images without client polling: bounded waits and event subscriptions, scoped to a tenant. */
export class ImageWatcher {
  readonly #deps: ImageWatcherDeps;

  constructor(deps: ImageWatcherDeps) {
    this.#deps = deps;
  }

  /** The tenant's image; `TS_NOT_FOUND` for an unknown id or another tenant's image. */
  async get(tenant: string, id: string): Promise<ImageRecord> {
    const image = await this.#deps.images.getImage(id);
    if (!image || image.tenant !== tenant) throw new ThumbsmithError('TS_NOT_FOUND', `No image with id ${id}.`);
    return image;
  }

  /**
   * The image as soon as it is `done` or `failed`, or as it is after `seconds` (or when `signal` aborts, e.g. the
   * server shutting down). Woken by events; re-reads the row every `recheckMs` as a safety net.
   */
  async waitForFinal(tenant: string, id: string, seconds: number, signal?: AbortSignal): Promise<ImageRecord> {
    const first = await this.get(tenant, id);
    if (isFinal(first) || seconds <= 0 || signal?.aborted) return first;
    const deadline = Date.now() + Math.min(seconds, MAX_WAIT_SECONDS) * 1000;
    let wake = () => {};
    const { unsubscribe } = await this.watch(tenant, id, () => wake());
    try {
      // Read again after subscribing: a change between the first read and the subscription would be missed.
      let current = await this.get(tenant, id);
      while (!isFinal(current)) {
        const remaining = deadline - Date.now();
        if (remaining <= 0 || signal?.aborted) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(remaining, this.#deps.recheckMs ?? 2000));
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        });
        current = await this.get(tenant, id);
      }
      return current;
    } finally {
      unsubscribe();
    }
  }

  /**
   * Calls `onEvent` for each event of the tenant's images (of one image when `imageId` is given) until `unsubscribe`
   * is called; with `after` (a `Last-Event-ID`), first for the retained events after it (see ImageEvents.subscribe:
   * `resumed` is false when that was not possible). When the event transport cannot subscribe, resolves with no
   * subscription and `resumed` false (logged): waiters still re-read rows.
   */
  async watch(
    tenant: string,
    imageId: string | undefined,
    onEvent: (event: ImageEvent) => void,
    after?: string,
  ): Promise<ImageSubscription> {
    try {
      return await this.#deps.events.subscribe(
        (event) => {
          if (event.tenant === tenant && (imageId === undefined || event.imageId === imageId)) onEvent(event);
        },
        { after },
      );
    } catch (error) {
      this.#deps.logger.warn({ err: error }, 'could not subscribe to image events; falling back to re-reading rows');
      return { unsubscribe: () => {}, resumed: false };
    }
  }
}
