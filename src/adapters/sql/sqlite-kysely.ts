import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { MetadataDatabase } from './schema.js';

/**
 * A Kysely instance over an open SQLite handle (better-sqlite3 or anything with its `prepare`). The handle is
 * borrowed: `destroy()` does not close it, because the job queue shares the same file and connection and the
 * composition root that opened it closes it.
 */
export function createSqliteKysely(database: Pick<SqliteDatabase, 'prepare'>): Kysely<MetadataDatabase> {
  const borrowed: SqliteDatabase = {
    prepare: (text) => database.prepare(text),
    close: () => {},
  };
  return new Kysely<MetadataDatabase>({ dialect: new SqliteDialect({ database: borrowed }) });
}
