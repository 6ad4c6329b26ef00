import { type Kysely, sql } from 'kysely';
import { errorReason } from '../../domain/dependency-errors.js';
import { ThumbsmithError } from '../../domain/errors.js';
import { withTimeout } from '../../lib/timeout.js';
import { toDatabaseError } from './database-errors.js';
import type { MetadataDatabase } from './schema.js';

export interface MetadataConnectionOptions {
  /** How long `ping()` waits for the database before it reports it unavailable. @defaultValue 5000 */
  readonly pingTimeoutMs?: number;
}

/**
 * The one Kysely instance the metadata stores of a database share, and its open/closed state: closing it closes every
 * store at once, and every store maps driver errors the same way. The connection under Kysely is borrowed (see
 * sqlite-kysely.ts / postgres-kysely.ts).
 */
export class MetadataConnection {
  readonly #db: Kysely<MetadataDatabase>;
  readonly #pingTimeoutMs: number;
  #closed = false;

  constructor(db: Kysely<MetadataDatabase>, options: MetadataConnectionOptions = {}) {
    this.#db = db;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  /** Runs one store operation; any driver error becomes a catalogue error naming `context` (`ImageStore.markDone`). */
  async run<T>(context: string, work: (db: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
    this.#assertOpen();
    try {
      return await work(this.#db);
    } catch (error) {
      throw toDatabaseError(error, context);
    }
  }

  /** `select 1`, bounded by `pingTimeoutMs`; any failure is `TS_DATABASE_UNAVAILABLE`. */
  async ping(): Promise<void> {
    this.#assertOpen();
    const unanswered = () =>
      new ThumbsmithError('TS_DATABASE_UNAVAILABLE', `Database ping: no answer within ${this.#pingTimeoutMs} ms.`);
    try {
      await withTimeout(sql`select 1`.execute(this.#db), this.#pingTimeoutMs, unanswered);
    } catch (error) {
      if (error instanceof ThumbsmithError) throw error;
      throw new ThumbsmithError('TS_DATABASE_UNAVAILABLE', `Database ping failed (${errorReason(error)}).`, {
        cause: error,
      });
    }
  }

  /** Releases the stores; the borrowed SQLite handle or pg pool stays open for its owner to close. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ThumbsmithError('TS_DATABASE_UNAVAILABLE', 'The metadata store is closed');
  }
}
