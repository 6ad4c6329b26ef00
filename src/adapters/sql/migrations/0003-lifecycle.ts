import type { Kysely } from 'kysely';

// Frozen history, like 0001: no domain imports. Statements are `if not exists` (and the column is added only when
// missing) so that a re-run after a crash succeeds on SQLite, where Kysely adds no transaction of its own.

export async function up(db: Kysely<unknown>): Promise<void> {
  const tables = await db.introspection.getTables();
  const images = tables.find((table) => table.name === 'images');
  if (!images?.columns.some((column) => column.name === 'callback_url')) {
    await db.schema.alterTable('images').addColumn('callback_url', 'text').execute();
  }

  // A tenant's stored bytes, shared by every image with the same SHA-256; see domain/content-keys.ts.
  await db.schema
    .createTable('contents')
    .ifNotExists()
    .addColumn('tenant', 'text', (col) => col.notNull())
    .addColumn('sha256', 'text', (col) => col.notNull())
    .addColumn('generation', 'text', (col) => col.notNull())
    .addColumn('original_key', 'text', (col) => col.notNull())
    .addColumn('refs', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('contents_pkey', ['tenant', 'sha256'])
    .execute();
  // The garbage collector asks "is this generation live?".
  await db.schema
    .createIndex('contents_generation_idx')
    .ifNotExists()
    .unique()
    .on('contents')
    .column('generation')
    .execute();
  // Reaping leaked references: contents not acquired for a while.
  await db.schema.createIndex('contents_updated_at_idx').ifNotExists().on('contents').column('updated_at').execute();

  // Listing filtered by status, newest first.
  await db.schema
    .createIndex('images_tenant_status_created_at_id_idx')
    .ifNotExists()
    .on('images')
    .columns(['tenant', 'status', 'created_at', 'id'])
    .execute();
  // Retention: everything created before a cutoff, whatever the tenant.
  await db.schema
    .createIndex('images_created_at_id_idx')
    .ifNotExists()
    .on('images')
    .columns(['created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('images_created_at_id_idx').ifExists().execute();
  await db.schema.dropIndex('images_tenant_status_created_at_id_idx').ifExists().execute();
  await db.schema.dropTable('contents').ifExists().execute();
  await db.schema.alterTable('images').dropColumn('callback_url').execute();
}
