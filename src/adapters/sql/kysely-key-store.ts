import type { Kysely, Selectable } from 'kysely';
import { parseScopes } from '../../domain/api-keys.js';
import type { ApiKeyRecord, KeyStore, NewApiKey } from '../../ports/key-store.js';
import { toDatabaseError } from './database-errors.js';
import { migrateToLatest } from './migrate-to-latest.js';
import type { ApiKeysTable, MetadataDatabase } from './schema.js';

/**
 * The KeyStore on the metadata database (table `api_keys`, migration 0004), for SQLite and PostgreSQL alike. The
 * Kysely instance is the caller's unless `ownsDb` is set; then `close()` destroys it.
 */
export class KyselyKeyStore implements KeyStore {
  readonly #db: Kysely<MetadataDatabase>;
  readonly #ownsDb: boolean;

  constructor(db: Kysely<MetadataDatabase>, options: { ownsDb?: boolean } = {}) {
    this.#db = db;
    this.#ownsDb = options.ownsDb ?? false;
  }

  async create(key: NewApiKey): Promise<ApiKeyRecord> {
    return this.#run('create', async () => {
      await this.#db
        .insertInto('api_keys')
        .values({
          id: key.id,
          tenant: key.tenant,
          name: key.name,
          scopes: key.scopes.join(','),
          hash: key.hash,
          created_at: key.createdAt.getTime(),
          revoked_at: null,
          last_used_at: null,
        })
        .execute();
      return { ...key, revokedAt: null, lastUsedAt: null };
    });
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#run('get', async () => {
      const row = await this.#db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    });
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.#run('list', async () => {
      const rows = await this.#db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    });
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    return this.#run('revoke', async () => {
      const result = await this.#db
        .updateTable('api_keys')
        .set({ revoked_at: at.getTime() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  async touch(id: string, at: Date): Promise<void> {
    return this.#run('touch', async () => {
      await this.#db.updateTable('api_keys').set({ last_used_at: at.getTime() }).where('id', '=', id).execute();
    });
  }

  async anyActive(): Promise<boolean> {
    return this.#run('anyActive', async () => {
      const row = await this.#db.selectFrom('api_keys').select('id').where('revoked_at', 'is', null).executeTakeFirst();
      return row !== undefined;
    });
  }

  async close(): Promise<void> {
    if (this.#ownsDb) await this.#db.destroy();
  }

  // Driver errors become catalogue errors: an unreachable database answers 503 TS_DATABASE_UNAVAILABLE, not 500.
  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toDatabaseError(error, `KeyStore.${operation}`);
    }
  }
}

/** Brings the schema up to date, then returns the store (used by the CLI and the composition root). */
export async function openKyselyKeyStore(
  db: Kysely<MetadataDatabase>,
  options: { ownsDb?: boolean } = {},
): Promise<KeyStore> {
  await migrateToLatest(db);
  return new KyselyKeyStore(db, options);
}

const date = (value: number | string | null): Date | null => (value === null ? null : new Date(Number(value)));

function toRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    scopes: parseScopes(row.scopes) ?? [],
    hash: row.hash,
    createdAt: new Date(Number(row.created_at)),
    revokedAt: date(row.revoked_at),
    lastUsedAt: date(row.last_used_at),
  };
}
