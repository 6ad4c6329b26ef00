import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens (creating it and its directory if needed) the SQLite file that holds the metadata and the job queue.
 * WAL lets readers run while a writer commits; busy_timeout makes a second process wait for the write lock instead of
 * failing at once; synchronous=NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the
 * last commits); foreign_keys is off by default in SQLite.
 */
export function openSqliteDatabase(path: string): Database.Database {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  try {
    database.pragma('busy_timeout = 5000');
    if (!inMemory) database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}
