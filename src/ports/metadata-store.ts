import type { ContentRef } from '../domain/content-keys.js';
import type { ImageError, ImageRecord, ImageStatus, NewImage, OriginalInfo, Variant } from '../domain/image.js';

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

  /** Ids of images still `queued` whose `updatedAt` is older than `before`, oldest first (the sweeper re-enqueues them). */
  listStaleQueued(before: Date, limit: number): Promise<string[]>;

  /**
   * Ids of images still `processing` whose `updatedAt` (the time of their last claim) is older than `before`, oldest
   * first. A row stays `processing` only while a delivery runs, or when its job was lost (queue data lost, or the job
   * died while the database was unreachable); the sweeper re-enqueues these, which is a no-op while the job exists.
   */
  listStaleProcessing(before: Date, limit: number): Promise<string[]>;

  /** Round trip to the database; throws `TS_DATABASE_UNAVAILABLE` when it cannot be reached. */
  ping(): Promise<void>;

  close(): Promise<void>;

  // ---- worker heartbeats (issue 6): every worker process records its last contact with the queue here, so any
  // process (an API in scale-out) can list the workers and how fresh they are.

  /**
   * Upserts this worker's heartbeat (one row per `workerId`). Also deletes rows not seen for a day (crashed workers),
   * so the table stays as small as the fleet.
   */
  recordHeartbeat(heartbeat: WorkerHeartbeat): Promise<void>;

  /** Workers whose last heartbeat is at or after `since`, by `workerId`. */
  listHeartbeats(since: Date): Promise<WorkerHeartbeat[]>;

  /** Forgets a worker that stopped gracefully. Idempotent. */
  removeHeartbeat(workerId: string): Promise<void>;

  // ---- image lifecycle (issue 8). Request-facing methods take the tenant and never see another tenant's rows;
  // the `system-wide` ones serve the sweeper, the garbage collector and `thumbsmith reprocess`, which act for the
  // whole deployment.

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

  /** The tenant's images whose original is `content.originalKey` (same bytes, same generation), newest first. */
  listByContent(content: ContentRef, limit: number): Promise<ImageRecord[]>;

  /**
   * Takes one reference on the tenant's content with this SHA-256, atomically: increments the live content's count and
   * returns it (`created: false`), or, when the tenant has none, creates it with `candidate`'s generation and key and
   * one reference (`created: true`). `candidate.generation` must be new for each call (it is how `created` is told
   * apart). Every image row holds exactly one reference, taken before the row is inserted.
   */
  acquireContent(candidate: ContentRef, at: Date): Promise<{ content: ContentRef; created: boolean }>;

  /**
   * Drops one reference. Resolves `true` when that was the last one: the content's row is then gone (a later acquire
   * makes a new generation) and the caller deletes its blobs; `false` otherwise, also when the content is unknown.
   */
  releaseContent(content: ContentRef, at: Date): Promise<boolean>;

  /**
   * System-wide. Removes contents that no image references any more and that nobody acquired since `before` (references
   * leaked by a crash between acquiring and inserting, or between deleting a row and releasing), and returns them so
   * that their blobs can be deleted. With `since`, only contents last acquired at or after it are looked at (a cheap
   * pass over recent ones).
   */
  reapUnreferencedContents(before: Date, limit: number, since?: Date): Promise<ContentRef[]>;

  /** System-wide. The subset of `generations` that belong to a live content. */
  existingContentGenerations(generations: readonly string[]): Promise<Set<string>>;

  /** System-wide. The subset of `ids` that are image rows. */
  existingImageIds(ids: readonly string[]): Promise<Set<string>>;

  /** System-wide. Images created before `before` (any status), oldest first: retention deletes them. */
  listCreatedBefore(before: Date, limit: number): Promise<ImageRecord[]>;

  /** System-wide. `done` images with an id greater than `afterId`, in id order (`thumbsmith reprocess` pages them). */
  listDone(afterId: string | undefined, limit: number): Promise<ImageRecord[]>;
}

/** Filters and position of one page of {@link MetadataStore.listImages}. */
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

/** A worker process as it last reported itself. */
export interface WorkerHeartbeat {
  /** Unique per process start (`hostname:pid:random`). */
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: Date;
  /** The worker's last successful contact with the queue. */
  lastSeenAt: Date;
  /** Jobs it was running then, of `concurrency` at most. */
  active: number;
  concurrency: number;
}
