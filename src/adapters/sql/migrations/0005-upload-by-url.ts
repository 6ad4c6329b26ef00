import { type Kysely, SqliteAdapter, sql } from 'kysely';

// Frozen history, like 0001: no domain imports. Upload by URL (issue 7): an image row exists before its original is
// fetched, so the original's columns become nullable and the row remembers the URL. A check keeps every row either
// stored or fetchable.

const ORIGINAL_COLUMNS = [
  'original_key',
  'original_format',
  'original_width',
  'original_height',
  'original_bytes',
  'original_sha256',
  'original_frames',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await rebuildSqliteImages(db);
  else await alterPostgresImages(db);
}

async function alterPostgresImages(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('images').addColumn('source_url', 'text').execute();
  for (const column of ORIGINAL_COLUMNS) {
    await db.schema
      .alterTable('images')
      .alterColumn(column, (col) => col.dropNotNull())
      .execute();
  }
  await db.schema
    .alterTable('images')
    .addCheckConstraint('images_original_or_source_check', sql`original_key is not null or source_url is not null`)
    .execute();
}

// SQLite cannot drop NOT NULL: the documented way is a new table, a copy and a rename, which migrate-to-latest.ts runs
// inside one `begin immediate` transaction. The indexes go with the old table and are made again.
async function rebuildSqliteImages(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('images_0005')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('tenant', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('original_key', 'text')
    .addColumn('original_format', 'text')
    .addColumn('original_width', 'integer')
    .addColumn('original_height', 'integer')
    .addColumn('original_bytes', 'bigint')
    .addColumn('original_sha256', 'text')
    .addColumn('original_frames', 'integer')
    .addColumn('original_filename', 'text')
    .addColumn('variants', 'text', (col) => col.notNull().defaultTo('[]'))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addColumn('completed_at', 'bigint')
    .addColumn('callback_url', 'text')
    .addColumn('source_url', 'text')
    .addCheckConstraint('images_status_check', sql`status in ('queued', 'processing', 'done', 'failed')`)
    .addCheckConstraint('images_original_or_source_check', sql`original_key is not null or source_url is not null`)
    .execute();
  const copied = sql.join(
    [
      'id',
      'tenant',
      'status',
      ...ORIGINAL_COLUMNS,
      'original_filename',
      'variants',
      'error_code',
      'error_message',
      'attempts',
      'created_at',
      'updated_at',
      'completed_at',
      'callback_url',
    ].map((column) => sql.ref(column)),
  );
  await sql`insert into images_0005 (${copied}) select ${copied} from images`.execute(db);
  await db.schema.dropTable('images').execute();
  await db.schema.alterTable('images_0005').renameTo('images').execute();

  const indexes: Array<[string, string[]]> = [
    ['images_status_updated_at_idx', ['status', 'updated_at']],
    ['images_tenant_created_at_id_idx', ['tenant', 'created_at', 'id']],
    ['images_tenant_original_sha256_idx', ['tenant', 'original_sha256']],
    ['images_tenant_status_created_at_id_idx', ['tenant', 'status', 'created_at', 'id']],
    ['images_created_at_id_idx', ['created_at', 'id']],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).on('images').columns(columns).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    throw new Error('0005 cannot be reverted on SQLite (its CHECK names source_url); restore a backup instead');
  }
  // Rows still waiting for their original cannot satisfy the old NOT NULL columns.
  await sql`delete from images where original_key is null`.execute(db);
  await db.schema.alterTable('images').dropConstraint('images_original_or_source_check').execute();
  for (const column of ORIGINAL_COLUMNS) {
    await db.schema
      .alterTable('images')
      .alterColumn(column, (col) => col.setNotNull())
      .execute();
  }
  await db.schema.alterTable('images').dropColumn('source_url').execute();
}
