import type BetterSqlite3 from 'better-sqlite3';

/**
 * The `jobs` table: the embedded queue's only state. A job is a row from enqueue until it is acknowledged (deleted)
 * or dead. `state` is 'waiting' (delayed when `run_at` is in the future), 'active' (leased until `lease_until` by
 * whoever holds `lease_token`) or 'dead'. An active row whose lease has expired is claimable again.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  data         TEXT NOT NULL,
  carrier      TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'dead')),
  attempt      INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  run_at       INTEGER NOT NULL,
  lease_until  INTEGER,
  lease_token  TEXT,
  enqueued_at  INTEGER NOT NULL,
  last_error   TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS jobs_state_run_at ON jobs (state, run_at);
`;

/** A row as the claim statement returns it. */
export interface ClaimedJobRow {
  id: string;
  name: string;
  data: string;
  carrier: string;
  attempt: number;
  max_attempts: number;
  enqueued_at: number;
  lease_token: string;
}

export interface NewJobRow {
  id: string;
  name: string;
  data: string;
  carrier: string;
  maxAttempts: number;
  now: number;
}

export interface JobTableCounts {
  waiting: number;
  delayed: number;
  active: number;
  dead: number;
  oldestWaitingEnqueuedAt: number | null;
}

export interface LeaseRef {
  id: string;
  token: string;
}

/** Longest `last_error` kept; the row is a queue entry, not a log. */
const MAX_ERROR_LENGTH = 2000;

/**
 * Every SQL statement of the embedded queue, prepared once. Each one touches a handful of rows through an index, so
 * none holds the (synchronous) event loop for long.
 */
export class SqliteJobTable {
  readonly #insert: BetterSqlite3.Statement;
  readonly #claim: BetterSqlite3.Statement;
  readonly #ack: BetterSqlite3.Statement;
  readonly #fail: BetterSqlite3.Statement;
  readonly #renew: BetterSqlite3.Statement;
  readonly #renewAll: (leases: readonly LeaseRef[], leaseUntil: number) => LeaseRef[];
  readonly #countWaiting: BetterSqlite3.Statement;
  readonly #countDelayed: BetterSqlite3.Statement;
  readonly #countState: BetterSqlite3.Statement;
  readonly #ping: BetterSqlite3.Statement;

  constructor(database: BetterSqlite3.Database) {
    database.exec(SCHEMA);
    // Dedupe by id while a job is waiting/active; a dead job with that id is replaced by the new one.
    this.#insert = database.prepare(`
      INSERT INTO jobs (id, name, data, carrier, state, attempt, max_attempts, run_at, enqueued_at)
      VALUES (@id, @name, @data, @carrier, 'waiting', 0, @maxAttempts, @now, @now)
      ON CONFLICT (id) DO UPDATE SET
        name = excluded.name, data = excluded.data, carrier = excluded.carrier, state = 'waiting', attempt = 0,
        max_attempts = excluded.max_attempts, run_at = excluded.run_at, lease_until = NULL, lease_token = NULL,
        enqueued_at = excluded.enqueued_at, last_error = NULL
      WHERE jobs.state = 'dead'`);
    // Expired leases first (crash recovery), then due jobs in run_at order. Both branches are range scans of
    // jobs_state_run_at; the active range holds only in-flight jobs (bounded by total concurrency), so its sort is tiny.
    // randomblob() is evaluated per row, so every claimed job gets its own token.
    this.#claim = database.prepare(`
      UPDATE jobs
      SET state = 'active', attempt = attempt + 1, lease_until = @leaseUntil, lease_token = lower(hex(randomblob(12)))
      WHERE id IN (
        SELECT id FROM (
          SELECT id FROM jobs WHERE state = 'active' AND lease_until <= @now ORDER BY lease_until LIMIT @limit
        )
        UNION ALL
        SELECT id FROM (
          SELECT id FROM jobs WHERE state = 'waiting' AND run_at <= @now ORDER BY run_at LIMIT @limit
        )
        LIMIT @limit
      )
      RETURNING id, name, data, carrier, attempt, max_attempts, enqueued_at, lease_token`);
    this.#ack = database.prepare(`DELETE FROM jobs WHERE id = @id AND lease_token = @token`);
    this.#fail = database.prepare(`
      UPDATE jobs
      SET state = CASE WHEN attempt < max_attempts THEN 'waiting' ELSE 'dead' END,
          run_at = @runAt, lease_until = NULL, lease_token = NULL, last_error = @error
      WHERE id = @id AND lease_token = @token`);
    this.#renew = database.prepare(`
      UPDATE jobs SET lease_until = @leaseUntil
      WHERE id = @id AND lease_token = @token AND state = 'active'`);
    this.#renewAll = database.transaction((leases: readonly LeaseRef[], leaseUntil: number) => {
      const lost: LeaseRef[] = [];
      for (const lease of leases) {
        if (this.#renew.run({ id: lease.id, token: lease.token, leaseUntil }).changes === 0) lost.push(lease);
      }
      return lost;
    });
    this.#countWaiting = database.prepare(
      `SELECT count(*) AS n, min(enqueued_at) AS oldest FROM jobs WHERE state = 'waiting' AND run_at <= @now`,
    );
    this.#countDelayed = database.prepare(`SELECT count(*) AS n FROM jobs WHERE state = 'waiting' AND run_at > @now`);
    this.#countState = database.prepare(`SELECT count(*) AS n FROM jobs WHERE state = @state`);
    this.#ping = database.prepare('SELECT 1 AS ok');
  }

  /** Inserts a waiting job; false when a live job with that id already exists (dedupe). */
  insert(row: NewJobRow): boolean {
    return this.#insert.run(row).changes > 0;
  }

  /** Leases up to `limit` claimable jobs until `leaseUntil`, incrementing their attempt. */
  claim(limit: number, now: number, leaseUntil: number): ClaimedJobRow[] {
    return this.#claim.all({ limit, now, leaseUntil }) as ClaimedJobRow[];
  }

  /** Deletes a finished job; false when the lease was lost (someone else owns the row now). */
  ack(lease: LeaseRef): boolean {
    return this.#ack.run(lease).changes > 0;
  }

  /** Schedules the next attempt at `runAt`, or marks the job dead when it has used all attempts. */
  fail(lease: LeaseRef, runAt: number, error: string): boolean {
    return this.#fail.run({ ...lease, runAt, error: error.slice(0, MAX_ERROR_LENGTH) }).changes > 0;
  }

  /** Extends leases in one transaction; returns the leases that were lost. */
  renew(leases: readonly LeaseRef[], leaseUntil: number): LeaseRef[] {
    return this.#renewAll(leases, leaseUntil);
  }

  counts(now: number): JobTableCounts {
    const waiting = this.#countWaiting.get({ now }) as { n: number; oldest: number | null };
    const count = (statement: BetterSqlite3.Statement, params: Record<string, unknown>) =>
      (statement.get(params) as { n: number }).n;
    return {
      waiting: waiting.n,
      oldestWaitingEnqueuedAt: waiting.oldest,
      delayed: count(this.#countDelayed, { now }),
      active: count(this.#countState, { state: 'active' }),
      dead: count(this.#countState, { state: 'dead' }),
    };
  }

  ping(): void {
    this.#ping.get();
  }
}
