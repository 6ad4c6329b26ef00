import type { Kysely } from 'kysely';

// Frozen history: no domain imports. `if not exists` so a re-run after a crash succeeds on SQLite.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per webhook signing secret of a tenant. The secret is stored as is: the signer needs it (an HMAC key).
  await db.schema
    .createTable('webhook_secrets')
    .ifNotExists()
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant', 'text', (col) => col.notNull())
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    // Set by a rotation: the end of the grace period during which the old secret still signs.
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  // Every delivery reads its tenant's secrets.
  await db.schema
    .createIndex('webhook_secrets_tenant_idx')
    .ifNotExists()
    .on('webhook_secrets')
    .column('tenant')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_secrets').ifExists().execute();
}
