import type { ImageJson } from './types.js';

export type StoreEvent =
  | { type: 'update'; image: ImageJson; previous: ImageJson | undefined }
  | { type: 'remove'; id: string };

/**
 * Every image the page knows about, by id: uploads, gallery pages, the event stream and polls all write here and
 * every view listens, so one image shows the same state everywhere.
 */
export class ImageStore {
  readonly #images = new Map<string, ImageJson>();
  readonly #removed = new Set<string>();
  readonly #listeners = new Set<(event: StoreEvent) => void>();

  get(id: string): ImageJson | undefined {
    return this.#images.get(id);
  }

  /** An image of these exact bytes (its original's SHA-256), if the page knows one that is not deleted. */
  withContent(sha256: string): ImageJson | undefined {
    for (const image of this.#images.values()) if (image.original?.sha256 === sha256) return image;
    return undefined;
  }

  /** Keeps the newer of two views of an image (events and polls may arrive out of order). */
  set(image: ImageJson): void {
    if (this.#removed.has(image.id)) return;
    const previous = this.#images.get(image.id);
    if (previous && Date.parse(previous.updatedAt) > Date.parse(image.updatedAt)) return;
    if (previous && previous.updatedAt === image.updatedAt && previous.status === image.status) return;
    this.#images.set(image.id, image);
    this.#emit({ type: 'update', image, previous });
  }

  remove(id: string): void {
    this.#removed.add(id);
    this.#images.delete(id);
    this.#emit({ type: 'remove', id });
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
