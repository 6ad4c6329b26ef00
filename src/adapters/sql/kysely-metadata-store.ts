import { type Kysely, sql, type UpdateObject } from 'kysely';
import { ThumbsmithError } from '../../domain/errors.js';
import type { ImageError, ImageRecord, ImageStatus, NewImage, Variant } from '../../domain/image.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { isUniqueViolation, toDatabaseError } from './database-errors.js';
import { serializeVariants, toEpochMs, toImageInsert, toImageRecord } from './image-row.js';
import type { MetadataDatabase } from './schema.js';

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
    const count = Math.floor(limit);
    if (!(count > 0)) return [];
    return this.#run('listStaleQueued', async () => {
      const rows = await this.#db
        .selectFrom('images')
        .select('id')
        .where('status', '=', 'queued')
        .where('updated_at', '<', toEpochMs(before))
        .orderBy('updated_at')
        .orderBy('id')
        .limit(count)
        .execute();
      return rows.map((row) => row.id);
    });
  }

  /** `select 1`, bounded by `pingTimeoutMs`; any failure is `TS_DATABASE_UNAVAILABLE`. */
  async ping(): Promise<void> {
    this.#assertOpen();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#pingTimeoutMs} ms`)), this.#pingTimeoutMs);
    });
    try {
      await Promise.race([sql`select 1`.execute(this.#db), timeout]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ThumbsmithError('TS_DATABASE_UNAVAILABLE', `Database ping failed: ${message}`, { cause: error });
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
