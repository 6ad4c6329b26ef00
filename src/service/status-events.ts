import { randomUUID } from 'node:crypto';
import type { ImageRecord } from '../domain/image.js';
import type { ImageEventKind, ImageEvents } from '../ports/image-events.js';
import type { MetadataStore } from '../ports/metadata-store.js';
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

type Transition = 'markProcessing' | 'markRetrying' | 'markDone' | 'markFailed';
const TRANSITIONS: ReadonlySet<string> = new Set<Transition>([
  'markProcessing',
  'markRetrying',
  'markDone',
  'markFailed',
]);

/**
 * The MetadataStore with a status observer behind every committed change, so every writer (upload, render and
 * rerender jobs, retry, delete, retention) reports changes without knowing about events or webhooks.
 *
 * A status method made the change when the row it returns carries the `at` it was given as `updatedAt` (the row as
 * it is, returned when nothing changed, has an older one). Every other method passes through untouched, including
 * methods added to the port later.
 */
export function withStatusEvents(metadata: MetadataStore, observer: StatusObserver): MetadataStore {
  const overrides: Partial<MetadataStore> = {
    async createImage(image) {
      const created = await metadata.createImage(image);
      await observer.changed(created);
      return created;
    },
    async requeueFailed(tenant, id, at) {
      const result = await metadata.requeueFailed(tenant, id, at);
      if (result?.requeued) await observer.changed(result.image);
      return result;
    },
    async attachOriginal(id, original, at) {
      const result = await metadata.attachOriginal(id, original, at);
      if (result?.attached) await observer.updated(result.image);
      return result;
    },
    async replaceVariants(tenant, id, expected, next, at) {
      const image = await metadata.replaceVariants(tenant, id, expected, next, at);
      if (image) await observer.updated(image);
      return image;
    },
    async deleteImage(tenant, id) {
      const image = await metadata.deleteImage(tenant, id);
      if (image) await observer.deleted(image);
      return image;
    },
  };
  return new Proxy(metadata, {
    get(target, property, receiver) {
      if (typeof property === 'string' && Object.hasOwn(overrides, property)) {
        return overrides[property as keyof MetadataStore];
      }
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && TRANSITIONS.has(property)) {
        return async (id: string, second: unknown, at: Date) => {
          const image = (await (value as (...args: unknown[]) => Promise<ImageRecord | undefined>).call(
            target,
            id,
            second,
            at,
          )) as ImageRecord | undefined;
          if (!image) return image;
          if (image.updatedAt.getTime() === at.getTime()) await observer.changed(image);
          else if (property === 'markProcessing' && (image.status === 'done' || image.status === 'failed')) {
            await observer.redelivered(image);
          }
          return image;
        };
      }
      // Methods keep `this` = the real store (its #private fields).
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
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
        id: randomUUID(),
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
