import pg from 'pg';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { type KyselyMetadataStoreOptions, openKyselyMetadataStore } from '../sql/kysely-metadata-store.js';
import { migrateToLatest } from '../sql/migrate-to-latest.js';
import { createPostgresKysely } from '../sql/postgres-kysely.js';

/**
 * The MetadataStore on a node-postgres pool, after bringing the schema up to date (safe when several processes start
 * at once). The pool stays the caller's: `close()` on the store does not end it.
 */
export async function createPostgresMetadataStore(
  pool: pg.Pool,
  options?: KyselyMetadataStoreOptions,
): Promise<MetadataStore> {
  return openKyselyMetadataStore(createPostgresKysely(pool), options);
}

/** `thumbsmith migrate` for PostgreSQL: connects to `url`, migrates, disconnects; returns the migrations applied. */
export async function migratePostgresDatabase(url: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', () => {});
  const db = createPostgresKysely(pool);
  try {
    return await migrateToLatest(db);
  } finally {
    await db.destroy();
    await pool.end();
  }
}
