import pg from 'pg';
import { type OpenMetadataStores, openKyselyMetadataStores } from '../sql/kysely-metadata-stores.js';
import type { MetadataConnectionOptions } from '../sql/metadata-connection.js';
import { migrateToLatest } from '../sql/migrate-to-latest.js';
import { createPostgresKysely } from '../sql/postgres-kysely.js';

/**
 * The metadata stores on a node-postgres pool, after bringing the schema up to date (safe when several processes start
 * at once). The pool stays the caller's: `close()` on the stores does not end it.
 */
export async function createPostgresMetadataStore(
  pool: pg.Pool,
  options?: MetadataConnectionOptions,
): Promise<OpenMetadataStores> {
  return openKyselyMetadataStores(createPostgresKysely(pool), options);
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
