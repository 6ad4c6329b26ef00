import type { Kysely } from 'kysely';

// Frozen history: no domain imports. `if not exists` so a re-run after a crash succeeds on SQLite.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .ifNotExists()
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant', 'text', (col) => col.notNull())
    .addColumn('name', 'text')
    // Comma-separated scopes (upload, read, admin).
    .addColumn('scopes', 'text', (col) => col.notNull())
    // SHA-256 of the whole key, hex; the key itself is never stored.
    .addColumn('hash', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();

  // One row per (tenant, Idempotency-Key) of POST /v1/images: the primary key is what makes a racing twin lose.
  await db.schema
    .createTable('idempotency_keys')
    .ifNotExists()
    .addColumn('tenant', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('request_sha256', 'text', (col) => col.notNull())
    // Null while the first request is still creating its image.
    .addColumn('image_id', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['tenant', 'key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').ifExists().execute();
  await db.schema.dropTable('api_keys').ifExists().execute();
}
