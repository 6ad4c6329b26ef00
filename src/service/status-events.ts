import type { ImageError, ImageRecord, NewImage, OriginalInfo, Variant } from '../domain/image.js';
import type { ImageEventKind, ImageEvents } from '../ports/image-events.js';
import type { ImageListQuery, ImageStore } from '../ports/image-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Webhooks } from './webhooks.js';

/** What happens after a status change is committed. */
export interface StatusObserver {
  /** The row reached `image.status`. */
  changed(image: ImageRecord): Promise<void>;
  /** The row changed but its status did not: a `done` row's variants were replaced, or a fetched original attached. */
  updated(image: ImageRecord): Promise<void>;
  /** The row was deleted. */
  deleted(image: ImageRecord): Promise<void>;
  /** A render job was delivered for a row that had already finished (e.g. after a crash right after finishing). */
  redelivered(image: ImageRecord): Promise<void>;
}

/**
 * The image store with a status observer behind every committed change, so every writer (upload, render and rerender
 * jobs, retry, delete, retention) reports changes without knowing about events or webhooks. Every method of the port
 * is written out here, so a method added to `ImageStore` does not compile until it says whether it notifies.
 *
 * A status method made the change when the row it returns carries the `at` it was given as `updatedAt` (the row as
 * it is, returned when nothing changed, has an older one).
 */
export class NotifyingImageStore implements ImageStore {
  readonly #images: ImageStore;
  readonly #observer: StatusObserver;

  constructor(images: ImageStore, observer: StatusObserver) {
    this.#images = images;
    this.#observer = observer;
  }

  async createImage(image: NewImage): Promise<ImageRecord> {
    const created = await this.#images.createImage(image);
    await this.#observer.changed(created);
    return created;
  }

  getImage(id: string): Promise<ImageRecord | undefined> {
    return this.#images.getImage(id);
  }

  async markProcessing(id: string, attempt: number, at: Date): Promise<ImageRecord | undefined> {
    const image = await this.#images.markProcessing(id, attempt, at);
    if (!image) return image;
    if (madeChange(image, at)) await this.#observer.changed(image);
    // A finished row: this job was delivered again, e.g. after a crash between finishing and enqueueing webhooks.
    else if (image.status === 'done' || image.status === 'failed') await this.#observer.redelivered(image);
    return image;
  }

  async markRetrying(id: string, error: ImageError, at: Date): Promise<ImageRecord | undefined> {
    return this.#announce(await this.#images.markRetrying(id, error, at), at);
  }

  async markDone(id: string, variants: readonly Variant[], at: Date): Promise<ImageRecord | undefined> {
    return this.#announce(await this.#images.markDone(id, variants, at), at);
  }

  async markFailed(id: string, error: ImageError, at: Date): Promise<ImageRecord | undefined> {
    return this.#announce(await this.#images.markFailed(id, error, at), at);
  }

  async attachOriginal(
    id: string,
    original: OriginalInfo,
    at: Date,
  ): Promise<{ image: ImageRecord; attached: boolean } | undefined> {
    const result = await this.#images.attachOriginal(id, original, at);
    if (result?.attached) await this.#observer.updated(result.image);
    return result;
  }

  listImages(tenant: string, query: ImageListQuery): Promise<ImageRecord[]> {
    return this.#images.listImages(tenant, query);
  }

  async deleteImage(tenant: string, id: string): Promise<ImageRecord | undefined> {
    const image = await this.#images.deleteImage(tenant, id);
    if (image) await this.#observer.deleted(image);
    return image;
  }

  async requeueFailed(
    tenant: string,
    id: string,
    at: Date,
  ): Promise<{ image: ImageRecord; requeued: boolean } | undefined> {
    const result = await this.#images.requeueFailed(tenant, id, at);
    if (result?.requeued) await this.#observer.changed(result.image);
    return result;
  }

  async replaceVariants(
    tenant: string,
    id: string,
    expected: readonly Variant[],
    next: readonly Variant[],
    at: Date,
  ): Promise<ImageRecord | undefined> {
    const image = await this.#images.replaceVariants(tenant, id, expected, next, at);
    if (image) await this.#observer.updated(image);
    return image;
  }

  /** A status method's result: announced when this call made the change. */
  async #announce(image: ImageRecord | undefined, at: Date): Promise<ImageRecord | undefined> {
    if (image && madeChange(image, at)) await this.#observer.changed(image);
    return image;
  }
}

/** The port's rule: a status method that made its change returns the row with `updatedAt` equal to its `at`. */
function madeChange(image: ImageRecord, at: Date): boolean {
  return image.updatedAt.getTime() === at.getTime();
}

export interface ImageNotifierDeps {
  events: ImageEvents;
  webhooks: Webhooks | undefined;
  logger: Logger;
}

/**
 * The observer: publishes every change on the event transport (best effort: a failure is logged, the row stays the
 * truth) and enqueues webhooks for finished images. A failure to enqueue a webhook is thrown: inside a render job that
 * makes the queue deliver the job again, and the redelivery (which finds the image finished) enqueues it then.
 */
export class ImageNotifier implements StatusObserver {
  readonly #deps: ImageNotifierDeps;

  constructor(deps: ImageNotifierDeps) {
    this.#deps = deps;
  }

  async changed(image: ImageRecord): Promise<void> {
    await this.#publish(image, image.status);
    await this.#deps.webhooks?.enqueueFor(image);
  }

  async updated(image: ImageRecord): Promise<void> {
    await this.#publish(image, image.status);
  }

  async deleted(image: ImageRecord): Promise<void> {
    await this.#publish(image, 'deleted');
  }

  async redelivered(image: ImageRecord): Promise<void> {
    await this.#deps.webhooks?.enqueueFor(image);
  }

  async #publish(image: ImageRecord, kind: ImageEventKind): Promise<void> {
    try {
      await this.#deps.events.publish({
        tenant: image.tenant,
        imageId: image.id,
        kind,
        at: new Date().toISOString(),
      });
    } catch (error) {
      this.#deps.logger.warn({ err: error, imageId: image.id, kind }, 'could not publish an image event');
    }
  }
}
