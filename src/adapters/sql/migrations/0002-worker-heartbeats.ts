import type { Kysely } from 'kysely';

// Frozen history, like 0001: no domain imports; `if not exists` so a re-run after a crash succeeds on SQLite.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per worker process: its last contact with the queue, for readiness and `GET /readyz` in any process.
  await db.schema
    .createTable('worker_heartbeats')
    .ifNotExists()
    .addColumn('worker_id', 'text', (col) => col.primaryKey())
    .addColumn('hostname', 'text', (col) => col.notNull())
    .addColumn('pid', 'integer', (col) => col.notNull())
    .addColumn('started_at', 'bigint', (col) => col.notNull())
    .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
    .addColumn('active', 'integer', (col) => col.notNull())
    .addColumn('concurrency', 'integer', (col) => col.notNull())
    .execute();
  // Listing recent workers and pruning crashed ones.
  await db.schema
    .createIndex('worker_heartbeats_last_seen_at_idx')
    .ifNotExists()
    .on('worker_heartbeats')
    .column('last_seen_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('worker_heartbeats').ifExists().execute();
}
