import { type Kysely, sql } from 'kysely';

// Migrations are frozen history: they never import domain constants that may change later.
// Every statement is `if not exists` because Kysely runs SQLite migrations without a transaction of its own
// (migrate-to-latest.ts adds one); a re-run after a crash must still succeed.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('images')
    .ifNotExists()
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('original_key', 'text', (col) => col.notNull())
    .addColumn('original_format', 'text', (col) => col.notNull())
    .addColumn('original_width', 'integer', (col) => col.notNull())
    .addColumn('original_height', 'integer', (col) => col.notNull())
    .addColumn('original_bytes', 'bigint', (col) => col.notNull())
    .addColumn('original_sha256', 'text', (col) => col.notNull())
    .addColumn('original_frames', 'integer', (col) => col.notNull())
    .addColumn('original_filename', 'text')
    .addColumn('variants', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('completed_at', 'bigint')
    .addCheckConstraint('images_status_check', sql`status in ('queued', 'processing', 'done', 'failed')`)
    .execute();

  // The sweeper: `status = 'queued' and updated_at < ?` oldest first.
  await db.schema
    .createIndex('images_status_updated_at_idx')
    .ifNotExists()
    .on('images')
    .columns(['status', 'updated_at'])
    .execute();
  // Keyset listing per tenant, newest or oldest first.
  await db.schema
    .createIndex('images_tenant_created_at_id_idx')
    .ifNotExists()
    .on('images')
    .columns(['tenant', 'created_at', 'id'])
    .execute();
  // Deduplication of identical uploads per tenant.
  await db.schema
    .createIndex('images_tenant_original_sha256_idx')
    .ifNotExists()
    .on('images')
    .columns(['tenant', 'original_sha256'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('images').ifExists().execute();
}
