import { ThumbsmithError } from '../domain/errors.js';
import type { ImageRecord, ImageStatus } from '../domain/image.js';
import type { ImageStore } from '../ports/image-store.js';
import type { MaintenanceQueries } from '../ports/maintenance-queries.js';
import type { Logger } from '../telemetry/logger.js';
import type { ContentBlobs } from './content-blobs.js';

export interface ImageLifecycleDeps {
  images: ImageStore;
  maintenance: MaintenanceQueries;
  content: ContentBlobs;
  /** Enqueues an image's render job (ImageService.enqueueRender: failures are logged, the sweeper retries). */
  enqueueRender(imageId: string): Promise<boolean>;
  logger: Logger;
  clock?: () => Date;
}

export interface ListImagesInput {
  /** 1-100. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  status?: ImageStatus;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface ImagePage {
  items: ImageRecord[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

export const LIST_LIMIT_MAX = 100;

/** The use cases that find, remove and revive images. */
export class ImageLifecycle {
  readonly #deps: ImageLifecycleDeps;

  constructor(deps: ImageLifecycleDeps) {
    this.#deps = deps;
  }

  /** A tenant's images, newest first, one keyset page at a time. */
  async list(tenant: string, input: ListImagesInput): Promise<ImagePage> {
    const limit = Math.min(Math.max(1, Math.floor(input.limit)), LIST_LIMIT_MAX);
    const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    // One row more than asked tells whether another page exists, without a count.
    const rows = await this.#deps.images.listImages(tenant, {
      limit: limit + 1,
      ...(after && { after }),
      ...(input.status && { status: input.status }),
      ...(input.createdAfter && { createdAfter: input.createdAfter }),
      ...(input.createdBefore && { createdBefore: input.createdBefore }),
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /**
   * Deletes the row, then drops its reference on the stored content (the last reference deletes the blobs). A render
   * job still running for it cannot bring it back: `markDone` only updates existing rows, and the job then removes
   * what it wrote (service/content-blobs.ts `discardOrphanedVariants`). Throws `TS_NOT_FOUND` when there is no such
   * image (also when it was already deleted).
   */
  async delete(tenant: string, id: string): Promise<ImageRecord> {
    const image = await this.#deps.images.deleteImage(tenant, id);
    if (!image) throw notFound(id);
    await this.#release(image);
    return image;
  }

  /**
   * A failed image back to `queued` with a fresh attempt budget, and its render job enqueued. Throws `TS_NOT_FOUND`,
   * or `TS_NOT_RETRYABLE` (409) unless the image is `failed`.
   */
  async retry(tenant: string, id: string): Promise<ImageRecord> {
    const result = await this.#deps.images.requeueFailed(tenant, id, this.#now());
    if (!result) throw notFound(id);
    if (!result.requeued) {
      throw new ThumbsmithError(
        'TS_NOT_RETRYABLE',
        `The image is ${result.image.status}; only a failed image can be retried.`,
        {
          extensions: { imageStatus: result.image.status },
        },
      );
    }
    await this.#deps.enqueueRender(id);
    return result.image;
  }

  /**
   * Retention: deletes images created more than `lifetimeMs` ago, with their blobs, in batches, for at most
   * `budgetMs`. Returns how many were deleted.
   */
  async expire(lifetimeMs: number, budgetMs = 20_000, batch = 200): Promise<number> {
    const started = Date.now();
    const cutoff = new Date(this.#now().getTime() - lifetimeMs);
    let deleted = 0;
    while (Date.now() - started < budgetMs) {
      const rows = await this.#deps.maintenance.listCreatedBefore(cutoff, batch);
      for (const row of rows) {
        const image = await this.#deps.images.deleteImage(row.tenant, row.id);
        if (!image) continue;
        await this.#release(image);
        deleted += 1;
      }
      if (rows.length < batch) break;
    }
    if (deleted > 0) this.#deps.logger.info({ deleted, cutoff: cutoff.toISOString() }, 'retention deleted images');
    return deleted;
  }

  // A failure here leaves a leaked reference or orphan blobs, which the garbage collector finds; the row is gone.
  async #release(image: ImageRecord): Promise<void> {
    try {
      await this.#deps.content.releaseImage(image);
    } catch (error) {
      this.#deps.logger.warn(
        { err: error, imageId: image.id },
        'image deleted but its blobs were not; the garbage collector will remove them',
      );
    }
  }

  #now(): Date {
    return this.#deps.clock?.() ?? new Date();
  }
}

function notFound(id: string): ThumbsmithError {
  return new ThumbsmithError('TS_NOT_FOUND', `No image with id ${id}.`);
}

/** `<createdAt ms>.<id>` in base64url: opaque to clients, a keyset position to the store. */
export function encodeCursor(image: Pick<ImageRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(`${image.createdAt.getTime()}.${image.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const match =
    cursor.length <= 100 ? /^(\d{1,15})\.(img_[0-9a-z]{26})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  if (!match) throw new ThumbsmithError('TS_INVALID_CURSOR', 'The cursor is not one this API handed out.');
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}
