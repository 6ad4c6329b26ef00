import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from '../../src/adapters/sql/migrate-to-latest.js';
import { METADATA_MIGRATIONS } from '../../src/adapters/sql/migrations/index.js';
import { createSqliteKysely } from '../../src/adapters/sql/sqlite-kysely.js';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { createSqliteMetadataStore, migrateSqliteFile } from '../../src/adapters/sqlite/sqlite-metadata-store.js';
import { newImageId } from '../../src/domain/ids.js';
import { describeMetadataStoresContract } from '../contract/metadata-stores.contract.js';
import { adapterEnabled } from '../support/servers.js';

const enabled = adapterEnabled('sqlite');

describe.runIf(enabled)('SQLite metadata store', () => {
  describeMetadataStoresContract('sqlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-sqlite-meta-'));
    const database = openSqliteDatabase(join(dir, 'thumbsmith.db'));
    const store = await createSqliteMetadataStore(database);
    return {
      stores: store,
      async cleanup() {
        await store.close();
        database.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });

  describe('sqlite specifics', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ts-sqlite-meta-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('openSqliteDatabase creates the directory and sets WAL, busy_timeout, synchronous=NORMAL, foreign_keys', () => {
      const path = join(dir, 'nested', 'deeper', 'thumbsmith.db');
      const database = openSqliteDatabase(path);
      try {
        expect(existsSync(path)).toBe(true);
        expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(database.pragma('busy_timeout', { simple: true })).toBe(5000);
        expect(database.pragma('synchronous', { simple: true })).toBe(1);
        expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
      } finally {
        database.close();
      }
    });

    it('0005 rebuilds a populated images table: every row, index and constraint survives', async () => {
      const path = join(dir, 'thumbsmith.db');
      const database = openSqliteDatabase(path);
      const db = createSqliteKysely(database);
      try {
        // The schema as 0004 left it, with one finished row.
        const before = Object.fromEntries(Object.entries(METADATA_MIGRATIONS).filter(([name]) => name < '0005'));
        const migrator = new Migrator({
          db,
          provider: { getMigrations: async () => before },
          migrationTableName: MIGRATION_TABLE,
          migrationLockTableName: MIGRATION_LOCK_TABLE,
        });
        expect((await migrator.migrateToLatest()).error).toBeUndefined();
        const id = newImageId();
        database
          .prepare(
            `insert into images (id, tenant, status, original_key, original_format, original_width, original_height,
               original_bytes, original_sha256, original_frames, original_filename, variants, attempts, created_at,
               updated_at, completed_at, callback_url)
             values (?, 't', 'done', 'content/s/g/original', 'png', 10, 20, 5000000123, 's', 1, 'a.png', '[]', 1,
               1, 2, 3, 'https://hooks.example/x')`,
          )
          .run(id);

        const store = await createSqliteMetadataStore(database);
        try {
          expect(await store.images.getImage(id)).toMatchObject({
            status: 'done',
            original: { key: 'content/s/g/original', bytes: 5_000_000_123, filename: 'a.png' },
            callbackUrl: 'https://hooks.example/x',
            completedAt: new Date(3),
          });
          const indexes = database
            .prepare(`select name from sqlite_master where type = 'index' and tbl_name = 'images' and sql is not null`)
            .all()
            .map((row) => (row as { name: string }).name)
            .sort();
          expect(indexes).toEqual([
            'images_created_at_id_idx',
            'images_status_updated_at_idx',
            'images_tenant_created_at_id_idx',
            'images_tenant_original_sha256_idx',
            'images_tenant_status_created_at_id_idx',
          ]);
          // Neither an original nor a URL: refused by the table itself, not only by the adapter.
          expect(() =>
            database
              .prepare(
                `insert into images (id, tenant, status, created_at, updated_at) values ('x', 't', 'queued', 1, 1)`,
              )
              .run(),
          ).toThrow(/CHECK constraint failed/);
          expect(() =>
            database
              .prepare(
                `insert into images (id, tenant, status, source_url, created_at, updated_at)
                 values ('y', 't', 'lost', 'https://a.example/a.jpg', 1, 1)`,
              )
              .run(),
          ).toThrow(/CHECK constraint failed/);
        } finally {
          await store.close();
        }
      } finally {
        await db.destroy();
        database.close();
      }
    });

    it('the file survives a reopen, and the second start applies no migration', async () => {
      const path = join(dir, 'thumbsmith.db');
      const id = newImageId();
      let database = openSqliteDatabase(path);
      let store = await createSqliteMetadataStore(database);
      await store.images.createImage({
        id,
        tenant: 't',
        createdAt: new Date('2026-01-01T00:00:00.123Z'),
        original: {
          key: 'k',
          format: 'png',
          width: 10,
          height: 20,
          bytes: 30,
          sha256: 's',
          frames: 1,
          filename: 'a.png',
        },
      });
      await store.images.markProcessing(id, 1, new Date('2026-01-01T00:00:01.456Z'));
      const done = await store.images.markDone(
        id,
        [
          {
            preset: 'small',
            presetVersion: 'v1',
            key: 'thumbs/small.jpg',
            width: 5,
            height: 10,
            format: 'jpeg',
            contentType: 'image/jpeg',
            bytes: 99,
            sha256: 'x',
          },
        ],
        new Date('2026-01-01T00:00:02.789Z'),
      );
      await store.close();
      // The store borrows the handle: it is still usable after store.close().
      expect(database.prepare('select count(*) as n from images').get()).toEqual({ n: 1 });
      database.close();

      database = openSqliteDatabase(path);
      expect(await migrateSqliteFile(path)).toStrictEqual([]);
      store = await createSqliteMetadataStore(database);
      try {
        expect(await store.images.getImage(id)).toStrictEqual(done);
        const migrations = database.prepare(`select name from ${MIGRATION_TABLE}`).all();
        expect(migrations).toEqual(Object.keys(METADATA_MIGRATIONS).map((name) => ({ name })));
      } finally {
        await store.close();
        database.close();
      }
    });

    it('creates the images table with the sweeper, listing and dedupe indexes, next to foreign tables', async () => {
      const path = join(dir, 'thumbsmith.db');
      const database = openSqliteDatabase(path);
      // Another component's table in the same file (the job queue) must be left alone.
      database.exec('create table jobs (id text primary key)');
      database.prepare('insert into jobs (id) values (?)').run('job-1');
      const store = await createSqliteMetadataStore(database);
      try {
        const indexes = database
          .prepare(`select name from sqlite_master where type = 'index' and tbl_name = 'images' and sql is not null`)
          .all()
          .map((row) => (row as { name: string }).name)
          .sort();
        expect(indexes).toStrictEqual([
          'images_created_at_id_idx',
          'images_status_updated_at_idx',
          'images_tenant_created_at_id_idx',
          'images_tenant_original_sha256_idx',
          'images_tenant_status_created_at_id_idx',
        ]);
        const columns = (name: string) =>
          database
            .prepare(`select name from pragma_index_info(?) order by seqno`)
            .all(name)
            .map((row) => (row as { name: string }).name);
        expect(columns('images_status_updated_at_idx')).toStrictEqual(['status', 'updated_at']);
        expect(columns('images_tenant_created_at_id_idx')).toStrictEqual(['tenant', 'created_at', 'id']);
        expect(columns('images_tenant_original_sha256_idx')).toStrictEqual(['tenant', 'original_sha256']);
        expect(database.prepare('select id from jobs').all()).toEqual([{ id: 'job-1' }]);
        // The status check constraint holds even for writes that bypass the store.
        expect(() =>
          database
            .prepare(
              `insert into images (id, tenant, status, original_key, original_format, original_width, original_height,
               original_bytes, original_sha256, original_frames, created_at, updated_at)
               values ('x', 't', 'bogus', 'k', 'png', 1, 1, 1, 's', 1, 0, 0)`,
            )
            .run(),
        ).toThrow(/CHECK constraint/);
      } finally {
        await store.close();
        database.close();
      }
    });

    it('three processes migrating the same new file at once all succeed, and it is migrated exactly once', async () => {
      const path = join(dir, 'race.db');
      const child = fileURLToPath(new URL('./sqlite-metadata-migrate-child.ts', import.meta.url));
      const children = [0, 1, 2].map(() => startChild(child, path));
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.go();
      const outputs = await Promise.all(children.map((c) => c.done));
      const applied = outputs.map((output) => JSON.parse(output) as string[]);
      expect(applied.flat()).toStrictEqual(Object.keys(METADATA_MIGRATIONS));
      const database = openSqliteDatabase(path);
      try {
        expect(database.prepare(`select name from ${MIGRATION_TABLE}`).all()).toEqual(
          Object.keys(METADATA_MIGRATIONS).map((name) => ({ name })),
        );
      } finally {
        database.close();
      }
    });
  });
});

interface MigrateChild {
  ready: Promise<void>;
  go(): void;
  done: Promise<string>;
}

function startChild(script: string, path: string): MigrateChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      markReady();
      if (code === 0) resolve(stdout.slice('ready\n'.length).trim());
      else reject(new Error(`migrate child exited ${code}: ${stderr}`));
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}
