import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import type { MetadataDatabase } from './schema.js';

/** Distinct SQL texts whose prepared statements are kept; the store issues a few dozen, lists with `in (…)` more. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * A Kysely instance over an open SQLite handle (better-sqlite3 or anything with its `prepare`). The handle is
 * borrowed: `destroy()` does not close it, because the job queue shares the same file and connection and the
 * composition root that opened it closes it.
 *
 * Kysely prepares every query anew; compiling the same SQL on each upload and job showed in the service's profile,
 * so prepared statements are kept by SQL text (least recently used out). SQLite re-prepares a kept statement by
 * itself when the schema changes, and Kysely never iterates a statement, which is what could make reuse unsafe.
 */
export function createSqliteKysely(database: Pick<SqliteDatabase, 'prepare'>): Kysely<MetadataDatabase> {
  const statements = new Map<string, SqliteStatement>();
  const borrowed: SqliteDatabase = {
    prepare(text) {
      let statement = statements.get(text);
      if (statement) {
        statements.delete(text);
      } else {
        statement = database.prepare(text);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(text, statement);
      return statement;
    },
    close: () => statements.clear(),
  };
  return new Kysely<MetadataDatabase>({ dialect: new SqliteDialect({ database: borrowed }) });
}
