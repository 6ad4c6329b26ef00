import { type ExpressionBuilder, type Kysely, sql, type UpdateObject } from 'kysely';
import type { ContentRef } from '../../domain/content-keys.js';
import { errorReason } from '../../domain/dependency-errors.js';
import { ThumbsmithError } from '../../domain/errors.js';
import type { ImageError, ImageRecord, ImageStatus, NewImage, OriginalInfo, Variant } from '../../domain/image.js';
import type { ImageListQuery, MetadataStore, WorkerHeartbeat } from '../../ports/metadata-store.js';
import { isUniqueViolation, toDatabaseError } from './database-errors.js';
import { serializeVariants, toEpochMs, toImageInsert, toImageRecord, toOriginalColumns } from './image-row.js';
import { migrateToLatest } from './migrate-to-latest.js';
import type { MetadataDatabase } from './schema.js';
import * as heartbeats from './worker-heartbeats.js';

export interface KyselyMetadataStoreOptions {
  /** How long `ping()` waits for the database before it reports it unavailable. @defaultValue 5000 */
  readonly pingTimeoutMs?: number;
}

/** Statuses a transition may start from. `done` and `failed` are final until an explicit re-queue. */
const UNFINISHED: readonly ImageStatus[] = ['queued', 'processing'];

/**
 * The MetadataStore on any Kysely dialect we support (SQLite, PostgreSQL). Every status change is one conditional
 * UPDATE (`where status in (...)`), so concurrent workers cannot move a finished image back, and no method needs a
 * multi-statement transaction. The Kysely instance is the store's; the connection under it is borrowed (see
 * sqlite-kysely.ts / postgres-kysely.ts).
 */
export class KyselyMetadataStore implements MetadataStore {
  readonly #db: Kysely<MetadataDatabase>;
  readonly #pingTimeoutMs: number;
  #closed = false;

  constructor(db: Kysely<MetadataDatabase>, options: KyselyMetadataStoreOptions = {}) {
    this.#db = db;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  /** Inserts a new image in status `queued`. Throws `TS_INTERNAL` if the id exists (ids are random: a bug). */
  async createImage(image: NewImage): Promise<ImageRecord> {
    return this.#run('createImage', async () => {
      try {
        const row = await this.#db
          .insertInto('images')
          .values(toImageInsert(image))
          .returningAll()
          .executeTakeFirstOrThrow();
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
    return this.#run('getImage', () => this.#select(id));
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
    return this.#run('attachOriginal', async () => {
      const row = await this.#db
        .updateTable('images')
        .set({ ...toOriginalColumns(original), updated_at: toEpochMs(at) })
        .where('id', '=', id)
        .where('status', 'in', UNFINISHED)
        .where('original_key', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return { image: toImageRecord(row), attached: true };
      const current = await this.#select(id);
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

  async listStaleQueued(before: Date, limit: number): Promise<string[]> {
    return this.#listStale('listStaleQueued', 'queued', before, limit);
  }

  async listStaleProcessing(before: Date, limit: number): Promise<string[]> {
    return this.#listStale('listStaleProcessing', 'processing', before, limit);
  }

  async recordHeartbeat(heartbeat: WorkerHeartbeat): Promise<void> {
    return this.#run('recordHeartbeat', () => heartbeats.recordHeartbeat(this.#db, heartbeat));
  }

  async listHeartbeats(since: Date): Promise<WorkerHeartbeat[]> {
    return this.#run('listHeartbeats', () => heartbeats.listHeartbeats(this.#db, since));
  }

  async removeHeartbeat(workerId: string): Promise<void> {
    return this.#run('removeHeartbeat', () => heartbeats.removeHeartbeat(this.#db, workerId));
  }

  /** `select 1`, bounded by `pingTimeoutMs`; any failure is `TS_DATABASE_UNAVAILABLE`. */
  async ping(): Promise<void> {
    this.#assertOpen();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const message = `Database ping: no answer within ${this.#pingTimeoutMs} ms.`;
      timer = setTimeout(() => reject(new ThumbsmithError('TS_DATABASE_UNAVAILABLE', message)), this.#pingTimeoutMs);
    });
    try {
      await Promise.race([sql`select 1`.execute(this.#db), timeout]);
    } catch (error) {
      if (error instanceof ThumbsmithError) throw error;
      throw new ThumbsmithError('TS_DATABASE_UNAVAILABLE', `Database ping failed (${errorReason(error)}).`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Releases the store; the borrowed SQLite handle or pg pool stays open for its owner to close. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  // ---- image lifecycle (issue 8)

  async listImages(tenant: string, query: ImageListQuery): Promise<ImageRecord[]> {
    const limit = Math.floor(query.limit);
    if (!(limit > 0)) return [];
    return this.#run('listImages', async () => {
      let select = this.#db.selectFrom('images').selectAll().where('tenant', '=', tenant);
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
    return this.#run('deleteImage', async () => {
      const row = await this.#db
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
    return this.#run('requeueFailed', async () => {
      const row = await this.#db
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
      const current = await this.#selectForTenant(tenant, id);
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
    return this.#run('replaceVariants', async () => {
      // serializeVariants is canonical (fixed fields, fixed order), so equal sets have equal text.
      const row = await this.#db
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

  async listByContent(content: ContentRef, limit: number): Promise<ImageRecord[]> {
    const count = Math.floor(limit);
    if (!(count > 0)) return [];
    return this.#run('listByContent', async () => {
      const rows = await this.#db
        .selectFrom('images')
        .selectAll()
        .where('tenant', '=', content.tenant)
        .where('original_sha256', '=', content.sha256)
        .where('original_key', '=', content.originalKey)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(count)
        .execute();
      return rows.map(toImageRecord);
    });
  }

  /** One upsert: the primary key (tenant, sha256) serialises concurrent acquires and releases of one content. */
  async acquireContent(candidate: ContentRef, at: Date): Promise<{ content: ContentRef; created: boolean }> {
    const ms = toEpochMs(at);
    return this.#run('acquireContent', async () => {
      const row = await this.#db
        .insertInto('contents')
        .values({
          tenant: candidate.tenant,
          sha256: candidate.sha256,
          generation: candidate.generation,
          original_key: candidate.originalKey,
          refs: 1,
          created_at: ms,
          updated_at: ms,
        })
        .onConflict((conflict) =>
          conflict.columns(['tenant', 'sha256']).doUpdateSet({ refs: sql<number>`contents.refs + 1`, updated_at: ms }),
        )
        .returning(['tenant', 'sha256', 'generation', 'original_key'])
        .executeTakeFirstOrThrow();
      const content: ContentRef = {
        tenant: row.tenant,
        sha256: row.sha256,
        generation: row.generation,
        originalKey: row.original_key,
      };
      return { content, created: row.generation === candidate.generation };
    });
  }

  /**
   * Decrement, then delete the row only if the count is still 0. An acquire between the two statements revives the
   * row (count 1, same generation) and the delete then matches nothing: the blobs stay, as they must.
   */
  async releaseContent(content: ContentRef, at: Date): Promise<boolean> {
    return this.#run('releaseContent', async () => {
      const row = await this.#db
        .updateTable('contents')
        .set({ refs: sql<number>`refs - 1`, updated_at: toEpochMs(at) })
        .where('tenant', '=', content.tenant)
        .where('sha256', '=', content.sha256)
        .where('generation', '=', content.generation)
        .where('refs', '>', 0)
        .returning('refs')
        .executeTakeFirst();
      if (row === undefined || Number(row.refs) > 0) return false;
      const deleted = await this.#db
        .deleteFrom('contents')
        .where('tenant', '=', content.tenant)
        .where('sha256', '=', content.sha256)
        .where('generation', '=', content.generation)
        .where('refs', '=', 0)
        .returning('generation')
        .executeTakeFirst();
      return deleted !== undefined;
    });
  }

  async reapUnreferencedContents(before: Date, limit: number, since?: Date): Promise<ContentRef[]> {
    const count = Math.floor(limit);
    if (!(count > 0)) return [];
    const ms = toEpochMs(before);
    return this.#run('reapUnreferencedContents', async () => {
      const candidates = await this.#db
        .selectFrom('contents')
        .selectAll()
        .where('updated_at', '<', ms)
        .where('updated_at', '>=', since === undefined ? 0 : toEpochMs(since))
        .where((eb) => eb.not(eb.exists(referencingImages(eb))))
        .orderBy('updated_at')
        .limit(count)
        .execute();
      const reaped: ContentRef[] = [];
      for (const candidate of candidates) {
        // Checked again in the delete itself: an acquire since the select moved updated_at, an insert added a row.
        const gone = await this.#db
          .deleteFrom('contents')
          .where('tenant', '=', candidate.tenant)
          .where('sha256', '=', candidate.sha256)
          .where('generation', '=', candidate.generation)
          .where('updated_at', '<', ms)
          .where((eb) => eb.not(eb.exists(referencingImages(eb))))
          .returning('generation')
          .executeTakeFirst();
        if (gone !== undefined) {
          reaped.push({
            tenant: candidate.tenant,
            sha256: candidate.sha256,
            generation: candidate.generation,
            originalKey: candidate.original_key,
          });
        }
      }
      return reaped;
    });
  }

  async existingContentGenerations(generations: readonly string[]): Promise<Set<string>> {
    return this.#run('existingContentGenerations', async () => {
      const found = new Set<string>();
      for (const chunk of chunks(generations)) {
        const rows = await this.#db
          .selectFrom('contents')
          .select('generation')
          .where('generation', 'in', chunk)
          .execute();
        for (const row of rows) found.add(row.generation);
      }
      return found;
    });
  }

  async existingImageIds(ids: readonly string[]): Promise<Set<string>> {
    return this.#run('existingImageIds', async () => {
      const found = new Set<string>();
      for (const chunk of chunks(ids)) {
        const rows = await this.#db.selectFrom('images').select('id').where('id', 'in', chunk).execute();
        for (const row of rows) found.add(row.id);
      }
      return found;
    });
  }

  async listCreatedBefore(before: Date, limit: number): Promise<ImageRecord[]> {
    const count = Math.floor(limit);
    if (!(count > 0)) return [];
    return this.#run('listCreatedBefore', async () => {
      const rows = await this.#db
        .selectFrom('images')
        .selectAll()
        .where('created_at', '<', toEpochMs(before))
        .orderBy('created_at')
        .orderBy('id')
        .limit(count)
        .execute();
      return rows.map(toImageRecord);
    });
  }

  async listDone(afterId: string | undefined, limit: number): Promise<ImageRecord[]> {
    const count = Math.floor(limit);
    if (!(count > 0)) return [];
    return this.#run('listDone', async () => {
      let select = this.#db.selectFrom('images').selectAll().where('status', '=', 'done');
      if (afterId !== undefined) select = select.where('id', '>', afterId);
      const rows = await select.orderBy('id').limit(count).execute();
      return rows.map(toImageRecord);
    });
  }

  async #selectForTenant(tenant: string, id: string): Promise<ImageRecord | undefined> {
    const row = await this.#db
      .selectFrom('images')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toImageRecord(row);
  }

  // The row after the change when this call made it; otherwise (finished, or missing) the row as it is now.
  async #transition(
    operation: string,
    id: string,
    set: UpdateObject<MetadataDatabase, 'images'>,
  ): Promise<ImageRecord | undefined> {
    return this.#run(operation, async () => {
      const row = await this.#db
        .updateTable('images')
        .set(set)
        .where('id', '=', id)
        .where('status', 'in', UNFINISHED)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? this.#select(id) : toImageRecord(row);
    });
  }

  // One range scan of images_status_updated_at_idx.
  async #listStale(operation: string, status: ImageStatus, before: Date, limit: number): Promise<string[]> {
    const count = Math.floor(limit);
    if (!(count > 0)) return [];
    return this.#run(operation, async () => {
      const rows = await this.#db
        .selectFrom('images')
        .select('id')
        .where('status', '=', status)
        .where('updated_at', '<', toEpochMs(before))
        .orderBy('updated_at')
        .orderBy('id')
        .limit(count)
        .execute();
      return rows.map((row) => row.id);
    });
  }

  async #select(id: string): Promise<ImageRecord | undefined> {
    const row = await this.#db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toImageRecord(row);
  }

  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    try {
      return await work();
    } catch (error) {
      throw toDatabaseError(error, `MetadataStore.${operation}`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ThumbsmithError('TS_DATABASE_UNAVAILABLE', 'The metadata store is closed');
  }
}

/** The images that hold a reference on the `contents` row of the enclosing query. */
function referencingImages(eb: ExpressionBuilder<MetadataDatabase, 'contents'>) {
  return eb
    .selectFrom('images')
    .select(sql<number>`1`.as('one'))
    .whereRef('images.tenant', '=', 'contents.tenant')
    .whereRef('images.original_sha256', '=', 'contents.sha256')
    .whereRef('images.original_key', '=', 'contents.original_key');
}

/** Bounded `in (...)` lists: SQLite allows 32766 parameters, Postgres 65535; 500 keeps statements small. */
function* chunks<T>(items: readonly T[], size = 500): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/**
 * Brings the schema up to date, then returns the store; on a failed migration the Kysely instance is destroyed (the
 * driver's connection or pool stays the caller's). Both dialects' factories are this plus their Kysely helper.
 */
export async function openKyselyMetadataStore(
  db: Kysely<MetadataDatabase>,
  options?: KyselyMetadataStoreOptions,
): Promise<MetadataStore> {
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyMetadataStore(db, options);
}
