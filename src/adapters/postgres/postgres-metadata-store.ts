import type pg from 'pg';
import { type OpenMetadataStores, openKyselyMetadataStores } from '../sql/kysely-metadata-stores.js';
import type { MetadataConnectionOptions } from '../sql/metadata-connection.js';
import { migrateToLatest } from '../sql/migrate-to-latest.js';
import { createPostgresKysely } from '../sql/postgres-kysely.js';
import { createPostgresPool, type PostgresConnectionErrors } from './postgres-pool.js';

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
export async function migratePostgresDatabase(
  url: string,
  onError: PostgresConnectionErrors = () => {},
): Promise<string[]> {
  const pool = createPostgresPool({ url, maxConnections: 1, connectionTimeoutMs: 10_000 }, onError);
  const db = createPostgresKysely(pool);
  try {
    return await migrateToLatest(db);
  } finally {
    await db.destroy();
    await pool.end();
  }
}
