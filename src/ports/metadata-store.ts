import type { ImageError, ImageRecord, NewImage, Variant } from '../domain/image.js';

/**
 * Persistent image rows. Every method is atomic (one row, one transaction); implementations
 * never leave a row half-updated. Methods that move an image through its status machine return the row as it is
 * after the call, or `undefined` when the image does not exist (e.g. deleted while a job was in flight).
 */
export interface MetadataStore {
  /** Inserts a new image in status `queued`. Throws if the id exists. */
  createImage(image: NewImage): Promise<ImageRecord>;

  getImage(id: string): Promise<ImageRecord | undefined>;

  /**
   * `queued`/`processing` -> `processing`, counting the attempt. Rows already `done` or `failed` are returned
   * unchanged (a redelivered job must not reopen a finished image).
   */
  markProcessing(id: string, attempt: number, at: Date): Promise<ImageRecord | undefined>;

  /** Back to `queued` after a transient failure, remembering the error; a no-op for finished rows. */
  markRetrying(id: string, error: ImageError, at: Date): Promise<ImageRecord | undefined>;

  /**
   * -> `done` with exactly these variants (replacing any earlier set), clearing `error`. Idempotent: completing a row
   * that is already `done` keeps the first result and returns it.
   */
  markDone(id: string, variants: readonly Variant[], at: Date): Promise<ImageRecord | undefined>;

  /** -> `failed` with the error. A row already `done` is returned unchanged. */
  markFailed(id: string, error: ImageError, at: Date): Promise<ImageRecord | undefined>;

  /** Ids of images still `queued` whose `updatedAt` is older than `before`, oldest first (the sweeper re-enqueues them). */
  listStaleQueued(before: Date, limit: number): Promise<string[]>;

  /** Round trip to the database; throws `TS_DATABASE_UNAVAILABLE` when it cannot be reached. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
