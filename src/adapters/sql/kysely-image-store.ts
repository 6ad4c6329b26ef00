import { type Kysely, sql, type UpdateObject } from 'kysely';
import { ThumbsmithError } from '../../domain/errors.js';
import type { ImageError, ImageRecord, ImageStatus, NewImage, OriginalInfo, Variant } from '../../domain/image.js';
import type { ImageListQuery, ImageStore } from '../../ports/image-store.js';
import { isUniqueViolation } from './database-errors.js';
import { serializeVariants, toEpochMs, toImageInsert, toImageRecord, toOriginalColumns } from './image-row.js';
import type { MetadataConnection } from './metadata-connection.js';
import { rowLimit } from './query-bounds.js';
import type { MetadataDatabase } from './schema.js';

/** Statuses a transition may start from. `done` and `failed` are final until an explicit re-queue. */
const UNFINISHED: readonly ImageStatus[] = ['queued', 'processing'];

/**
 * Image rows on any Kysely dialect we support (SQLite, PostgreSQL). Every status change is one conditional UPDATE
 * (`where status in (...)`), so concurrent workers cannot move a finished image back, and no method needs a
 * multi-statement transaction.
 */
export class KyselyImageStore implements ImageStore {
  readonly #connection: MetadataConnection;

  constructor(connection: MetadataConnection) {
    this.#connection = connection;
  }

  /** Inserts a new image in status `queued`. Throws `TS_INTERNAL` if the id exists (ids are random: a bug). */
  async createImage(image: NewImage): Promise<ImageRecord> {
    return this.#run('createImage', async (db) => {
      try {
        const row = await db.insertInto('images').values(toImageInsert(image)).returningAll().executeTakeFirstOrThrow();
        return toImageRecord(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ThumbsmithError('TS_INTERNAL', `Image ${image.id} already exists`, { cause: error });
        }
        throw error;
      }
    });
  }

  async getImage(id: string): Promise<ImageRecord | undefined> {
    return this.#run('getImage', (db) => selectImage(db, id));
  }

  /** `queued`/`processing` -> `processing`; `attempts` becomes `attempt` unless a later attempt was already counted. */
  async markProcessing(id: string, attempt: number, at: Date): Promise<ImageRecord | undefined> {
    return this.#transition('markProcessing', id, {
      status: 'processing',
      // A late, redelivered claim must not count attempts backwards.
      attempts: sql<number>`case when attempts > ${attempt} then attempts else cast(${attempt} as integer) end`,
      updated_at: toEpochMs(at),
    });
  }

  /** `queued`/`processing` -> `queued` with the error kept; `updatedAt` moves, so the sweeper waits again. */
  async markRetrying(id: string, error: ImageError, at: Date): Promise<ImageRecord | undefined> {
    return this.#transition('markRetrying', id, {
      status: 'queued',
      error_code: error.code,
      error_message: error.message,
      updated_at: toEpochMs(at),
    });
  }

  /** `queued`/`processing` -> `done` with these variants, in one statement. A finished row is returned as it is. */
  async markDone(id: string, variants: readonly Variant[], at: Date): Promise<ImageRecord | undefined> {
    const ms = toEpochMs(at);
    return this.#transition('markDone', id, {
      status: 'done',
      variants: serializeVariants(variants),
      error_code: null,
      error_message: null,
      updated_at: ms,
      completed_at: ms,
    });
  }

  /** Sets the original of an unfinished row that has none; `original_key is null` makes a second attach a no-op. */
  async attachOriginal(
    id: string,
    original: OriginalInfo,
    at: Date,
  ): Promise<{ image: ImageRecord; attached: boolean } | undefined> {
    return this.#run('attachOriginal', async (db) => {
      const row = await db
        .updateTable('images')
        .set({ ...toOriginalColumns(original), updated_at: toEpochMs(at) })
        .where('id', '=', id)
        .where('status', 'in', UNFINISHED)
        .where('original_key', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return { image: toImageRecord(row), attached: true };
      const current = await selectImage(db, id);
      return current === undefined ? undefined : { image: current, attached: false };
    });
  }

  /** `queued`/`processing` -> `failed` (with `completedAt`); a `done` or already `failed` row is returned as it is. */
  async markFailed(id: string, error: ImageError, at: Date): Promise<ImageRecord | undefined> {
    const ms = toEpochMs(at);
    return this.#transition('markFailed', id, {
      status: 'failed',
      error_code: error.code,
      error_message: error.message,
      updated_at: ms,
      completed_at: ms,
    });
  }

  async listImages(tenant: string, query: ImageListQuery): Promise<ImageRecord[]> {
    const limit = rowLimit(query.limit);
    if (limit === 0) return [];
    return this.#run('listImages', async (db) => {
      let select = db.selectFrom('images').selectAll().where('tenant', '=', tenant);
      if (query.status !== undefined) select = select.where('status', '=', query.status);
      if (query.createdAfter !== undefined) select = select.where('created_at', '>', toEpochMs(query.createdAfter));
      if (query.createdBefore !== undefined) select = select.where('created_at', '<', toEpochMs(query.createdBefore));
      const after = query.after;
      if (after !== undefined) {
        const ms = toEpochMs(after.createdAt);
        // (created_at, id) < (ms, id), spelled out: row-value comparison is not in every SQLite build Kysely targets.
        select = select.where((eb) =>
          eb.or([eb('created_at', '<', ms), eb.and([eb('created_at', '=', ms), eb('id', '<', after.id)])]),
        );
      }
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toImageRecord);
    });
  }

  async deleteImage(tenant: string, id: string): Promise<ImageRecord | undefined> {
    return this.#run('deleteImage', async (db) => {
      const row = await db
        .deleteFrom('images')
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toImageRecord(row);
    });
  }

  async requeueFailed(
    tenant: string,
    id: string,
    at: Date,
  ): Promise<{ image: ImageRecord; requeued: boolean } | undefined> {
    return this.#run('requeueFailed', async (db) => {
      const row = await db
        .updateTable('images')
        .set({
          status: 'queued',
          attempts: 0,
          error_code: null,
          error_message: null,
          completed_at: null,
          updated_at: toEpochMs(at),
        })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .where('status', '=', 'failed')
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return { image: toImageRecord(row), requeued: true };
      const current = await selectTenantImage(db, tenant, id);
      return current === undefined ? undefined : { image: current, requeued: false };
    });
  }

  async replaceVariants(
    tenant: string,
    id: string,
    expected: readonly Variant[],
    next: readonly Variant[],
    at: Date,
  ): Promise<ImageRecord | undefined> {
    return this.#run('replaceVariants', async (db) => {
      // serializeVariants is canonical (fixed fields, fixed order), so equal sets have equal text.
      const row = await db
        .updateTable('images')
        .set({ variants: serializeVariants(next), updated_at: toEpochMs(at) })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .where('status', '=', 'done')
        .where('variants', '=', serializeVariants(expected))
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toImageRecord(row);
    });
  }

  // The row after the change when this call made it; otherwise (finished, or missing) the row as it is now.
  async #transition(
    operation: string,
    id: string,
    set: UpdateObject<MetadataDatabase, 'images'>,
  ): Promise<ImageRecord | undefined> {
    return this.#run(operation, async (db) => {
      const row = await db
        .updateTable('images')
        .set(set)
        .where('id', '=', id)
        .where('status', 'in', UNFINISHED)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? selectImage(db, id) : toImageRecord(row);
    });
  }

  #run<T>(operation: string, work: (db: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
    return this.#connection.run(`ImageStore.${operation}`, work);
  }
}

async function selectImage(db: Kysely<MetadataDatabase>, id: string): Promise<ImageRecord | undefined> {
  const row = await db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toImageRecord(row);
}

async function selectTenantImage(
  db: Kysely<MetadataDatabase>,
  tenant: string,
  id: string,
): Promise<ImageRecord | undefined> {
  const row = await db
    .selectFrom('images')
    .selectAll()
    .where('tenant', '=', tenant)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toImageRecord(row);
}
