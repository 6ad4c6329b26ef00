import type { Kysely } from 'kysely';
import type { IdempotencyClaim, IdempotencyStore } from '../../ports/idempotency-store.js';
import { toDatabaseError } from './database-errors.js';
import type { MetadataDatabase } from './schema.js';

/** The IdempotencyStore on the metadata database (table `idempotency_keys`, migration 0004); SQLite and PostgreSQL. */
export class KyselyIdempotencyStore implements IdempotencyStore {
  readonly #db: Kysely<MetadataDatabase>;

  constructor(db: Kysely<MetadataDatabase>) {
    this.#db = db;
  }

  async claim(
    tenant: string,
    key: string,
    sha256: string,
    at: Date,
    staleBefore: Date,
  ): Promise<IdempotencyClaim | undefined> {
    return this.#run('claim', async () => {
      // `on conflict do nothing`: the primary key decides the race; both dialects report 0 rows for the loser.
      const inserted = await this.#db
        .insertInto('idempotency_keys')
        .values({ tenant, key, request_sha256: sha256, image_id: null, created_at: at.getTime() })
        .onConflict((oc) => oc.columns(['tenant', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return undefined;
      const row = await this.#db
        .selectFrom('idempotency_keys')
        .select(['request_sha256', 'image_id', 'created_at'])
        .where('tenant', '=', tenant)
        .where('key', '=', key)
        .executeTakeFirst();
      if (row && row.image_id === null && Number(row.created_at) < staleBefore.getTime()) {
        // A dead request's claim: take it over only if it is still the same pending claim (one taker wins).
        const taken = await this.#db
          .updateTable('idempotency_keys')
          .set({ request_sha256: sha256, created_at: at.getTime() })
          .where('tenant', '=', tenant)
          .where('key', '=', key)
          .where('image_id', 'is', null)
          .where('created_at', '=', row.created_at)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) > 0) return undefined;
        return { sha256, imageId: null };
      }
      // Released between our insert and this read: report it as still pending; the caller polls and retries.
      return { sha256: row?.request_sha256 ?? sha256, imageId: row?.image_id ?? null };
    });
  }

  async complete(tenant: string, key: string, imageId: string): Promise<void> {
    return this.#run('complete', async () => {
      await this.#db
        .updateTable('idempotency_keys')
        .set({ image_id: imageId })
        .where('tenant', '=', tenant)
        .where('key', '=', key)
        .where('image_id', 'is', null)
        .execute();
    });
  }

  async release(tenant: string, key: string): Promise<void> {
    return this.#run('release', async () => {
      await this.#db.deleteFrom('idempotency_keys').where('tenant', '=', tenant).where('key', '=', key).execute();
    });
  }

  // Driver errors become catalogue errors: an unreachable database answers 503 TS_DATABASE_UNAVAILABLE, not 500.
  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toDatabaseError(error, `IdempotencyStore.${operation}`);
    }
  }
}
