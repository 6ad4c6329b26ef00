import { type Kysely, type MigrationResultSet, Migrator, SqliteAdapter, sql } from 'kysely';
import { ThumbsmithError } from '../../domain/errors.js';
import { isDatabaseUnavailable } from './database-errors.js';
import { METADATA_MIGRATIONS } from './migrations/index.js';

/** Kysely's bookkeeping tables, named for this migration set so another set in the same database cannot collide. */
export const MIGRATION_TABLE = 'thumbsmith_metadata_migration';
export const MIGRATION_LOCK_TABLE = 'thumbsmith_metadata_migration_lock';

/**
 * Brings the metadata schema up to date and returns the names of the migrations it applied (none when current).
 * Safe when several processes start at once: on PostgreSQL Kysely takes an advisory lock and runs each migration in a
 * transaction; on SQLite (where Kysely does neither) the whole run happens inside `begin immediate`, which takes the
 * file's write lock (waiting up to busy_timeout) and makes the run all-or-nothing.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  let resultSet: MigrationResultSet;
  try {
    resultSet =
      db.getExecutor().adapter instanceof SqliteAdapter ? await migrateSqliteExclusive(db) : await runMigrator(db);
  } catch (error) {
    throw migrationError(error);
  }
  if (resultSet.error !== undefined) throw migrationError(resultSet.error, resultSet);
  return (resultSet.results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}

function runMigrator<DB>(db: Kysely<DB>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...METADATA_MIGRATIONS }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  return migrator.migrateToLatest();
}

// One connection for the whole run, so the bookkeeping and the migrations all land inside the same transaction.
function migrateSqliteExclusive<DB>(db: Kysely<DB>): Promise<MigrationResultSet> {
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    let resultSet: MigrationResultSet;
    try {
      resultSet = await runMigrator(connection);
    } catch (error) {
      await rollbackQuietly(connection);
      throw error;
    }
    if (resultSet.error !== undefined) {
      await rollbackQuietly(connection);
      return resultSet;
    }
    await sql`commit`.execute(connection);
    return resultSet;
  });
}

async function rollbackQuietly<DB>(connection: Kysely<DB>): Promise<void> {
  try {
    await sql`rollback`.execute(connection);
  } catch {
    // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); the original error matters more.
  }
}

function migrationError(error: unknown, resultSet?: MigrationResultSet): ThumbsmithError {
  const failed = resultSet?.results?.find((result) => result.status === 'Error')?.migrationName;
  const message = error instanceof Error ? error.message : String(error);
  const detail = `${failed ? `Metadata migration ${failed}` : 'Metadata migration'} failed: ${message}`;
  const code = isDatabaseUnavailable(error) ? 'TS_DATABASE_UNAVAILABLE' : 'TS_INTERNAL';
  return new ThumbsmithError(code, detail, { cause: error });
}
