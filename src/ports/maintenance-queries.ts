import type { ImageRecord } from '../domain/image.js';

/**
 * System-wide queries for the sweeper, retention, the garbage collector, `thumbsmith reprocess` and `keys create`,
 * which act for the whole deployment rather than for one tenant.
 */
export interface MaintenanceQueries {
  /** Ids of images still `queued` whose `updatedAt` is older than `before`, oldest first (the sweeper re-enqueues them). */
  listStaleQueued(before: Date, limit: number): Promise<string[]>;

  /**
   * Ids of images still `processing` whose `updatedAt` (the time of their last claim) is older than `before`, oldest
   * first. A row stays `processing` only while a delivery runs, or when its job was lost (queue data lost, or the job
   * died while the database was unreachable); the sweeper re-enqueues these, which is a no-op while the job exists.
   */
  listStaleProcessing(before: Date, limit: number): Promise<string[]>;

  /** The subset of `ids` that are image rows. */
  existingImageIds(ids: readonly string[]): Promise<Set<string>>;

  /** Images created before `before` (any status), oldest first: retention deletes them. */
  listCreatedBefore(before: Date, limit: number): Promise<ImageRecord[]>;

  /** `done` images with an id greater than `afterId`, in id order (`thumbsmith reprocess` pages them). */
  listDone(afterId: string | undefined, limit: number): Promise<ImageRecord[]>;

  /** How many images (any status) the tenant has (`thumbsmith keys create` warns about tenant `default`'s). */
  countImages(tenant: string): Promise<number>;
}
