import type Database from 'better-sqlite3';
import { type OpenMetadataStores, openKyselyMetadataStores } from '../sql/kysely-metadata-stores.js';
import type { MetadataConnectionOptions } from '../sql/metadata-connection.js';
import { migrateToLatest } from '../sql/migrate-to-latest.js';
import { createSqliteKysely } from '../sql/sqlite-kysely.js';
import { openSqliteDatabase } from './sqlite-database.js';

/**
 * The metadata stores on an open SQLite handle (see openSqliteDatabase), after bringing its schema up to date.
 * The handle stays the caller's: `close()` on the stores leaves it open (the job queue uses it too).
 */
export async function createSqliteMetadataStore(
  database: Database.Database,
  options?: MetadataConnectionOptions,
): Promise<OpenMetadataStores> {
  return openKyselyMetadataStores(createSqliteKysely(database), options);
}

/** `thumbsmith migrate` for the embedded database: opens the file, migrates, closes; returns the migrations applied. */
export async function migrateSqliteFile(path: string): Promise<string[]> {
  const database = openSqliteDatabase(path);
  const db = createSqliteKysely(database);
  try {
    return await migrateToLatest(db);
  } finally {
    await db.destroy();
    database.close();
  }
}
