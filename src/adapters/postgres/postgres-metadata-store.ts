import type pg from 'pg';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { type KyselyMetadataStoreOptions, openKyselyMetadataStore } from '../sql/kysely-metadata-store.js';
import { migrateToLatest } from '../sql/migrate-to-latest.js';
import { createPostgresKysely } from '../sql/postgres-kysely.js';
import { createPostgresPool, type PostgresConnectionErrors } from './postgres-pool.js';

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
