import type { ImageError, ImageRecord, ImageStatus, NewImage, OriginalInfo, Variant } from '../domain/image.js';

/**
 * Image rows and their status machine. Every method is atomic (one row, one transaction); implementations never leave
 * a row half-updated. Methods that move an image through its status machine return the row as it is after the call,
 * or `undefined` when the image does not exist (e.g. deleted while a job was in flight). A method that made its change
 * returns the row with `updatedAt` equal to the `at` it was given; a row returned unchanged carries an older one.
 * Request-facing methods that take a tenant never see another tenant's rows.
 */
export interface ImageStore {
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

  /**
   * Upload by URL: sets the fetched `original` on a `queued`/`processing` row that has none yet, in one conditional
   * UPDATE. `attached` says whether this call set it; when it did not, the row is returned as it is (an earlier
   * delivery of the job stored one, or the image is finished) and the caller drops the reference it took for its
   * copy. `undefined` when the image does not exist.
   */
  attachOriginal(
    id: string,
    original: OriginalInfo,
    at: Date,
  ): Promise<{ image: ImageRecord; attached: boolean } | undefined>;

  /** -> `failed` with the error. A row already `done` is returned unchanged. */
  markFailed(id: string, error: ImageError, at: Date): Promise<ImageRecord | undefined>;

  /**
   * One page of a tenant's images, newest first: ordered by (`createdAt`, `id`) descending, filtered, starting strictly
   * after `query.after` (keyset pagination: a row inserted while a client pages is never returned twice and never
   * shifts a later page, because it sorts before every cursor handed out earlier).
   */
  listImages(tenant: string, query: ImageListQuery): Promise<ImageRecord[]>;

  /** Deletes the row and returns it as it was, or `undefined` when the tenant has no such image. */
  deleteImage(tenant: string, id: string): Promise<ImageRecord | undefined>;

  /**
   * `failed` -> `queued` for a manual retry: `attempts` back to 0 (the retry gets the full attempt budget), `error`
   * and `completedAt` cleared. `requeued` says whether this call made the change; any other status is returned as it
   * is. `undefined` when the tenant has no such image.
   */
  requeueFailed(tenant: string, id: string, at: Date): Promise<{ image: ImageRecord; requeued: boolean } | undefined>;

  /**
   * Compare-and-set of a `done` row's variants: replaces them with `next` only if they still equal `expected` (the
   * row is unchanged since it was read). Returns the row after the change, or `undefined` when nothing changed
   * (someone else replaced them first, the row is not `done`, or it is gone): read it again and retry.
   */
  replaceVariants(
    tenant: string,
    id: string,
    expected: readonly Variant[],
    next: readonly Variant[],
    at: Date,
  ): Promise<ImageRecord | undefined>;
}

/** Filters and position of one page of {@link ImageStore.listImages}. */
export interface ImageListQuery {
  /** Rows per page (the store caps nothing; callers bound it). */
  limit: number;
  /** Keyset cursor: only rows strictly after this one in (createdAt desc, id desc) order. */
  after?: { createdAt: Date; id: string };
  status?: ImageStatus;
  /** Only rows created strictly after this instant. */
  createdAfter?: Date;
  /** Only rows created strictly before this instant. */
  createdBefore?: Date;
}
