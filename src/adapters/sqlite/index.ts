import type Database from 'better-sqlite3';
import type { OpenContext } from '../../lib/closers.js';
import type { JobQueue, RetryPolicy } from '../../ports/job-queue.js';
import { type DatabasePorts, withSecurityStores } from '../sql/index.js';
import { createSqliteKysely } from '../sql/sqlite-kysely.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { createSqliteJobQueue } from './sqlite-job-queue.js';
import { createSqliteMetadataStore, migrateSqliteFile } from './sqlite-metadata-store.js';

/** The embedded backends' one file: the metadata and the job queue share it (and its connection). */
export interface SqliteFileOptions {
  path: string;
}

/** Opens (creating it if needed) the shared SQLite file; it closes after everything opened on it. */
export function openFile({ path }: SqliteFileOptions, { closers }: Pick<OpenContext, 'closers'>): Database.Database {
  const database = openSqliteDatabase(path);
  closers.add('sqlite', () => database.close());
  return database;
}

/** The metadata, key and idempotency stores on the open file, its schema brought up to date first. */
export async function openDatabase(database: Database.Database, context: OpenContext): Promise<DatabasePorts> {
  const metadata = await createSqliteMetadataStore(database);
  return withSecurityStores(metadata, createSqliteKysely(database), context);
}

/** The embedded durable queue, in a table of the open file. */
export function openQueue(
  database: Database.Database,
  { policy }: { policy: RetryPolicy },
  { logger, closers }: OpenContext,
): JobQueue {
  const queue = createSqliteJobQueue(database, policy, {
    onError: (error) => logger.warn({ err: error }, 'queue error (recovered)'),
  });
  closers.add('queue', () => queue.close());
  return queue;
}

/** `thumbsmith migrate`: opens the file, migrates, closes; the migrations applied. */
export async function migrate({ path }: SqliteFileOptions): Promise<string[]> {
  return migrateSqliteFile(path);
}
