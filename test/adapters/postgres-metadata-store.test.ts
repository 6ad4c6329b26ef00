import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPostgresMetadataStore,
  migratePostgresDatabase,
} from '../../src/adapters/postgres/postgres-metadata-store.js';
import { kyselyMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import { MIGRATION_TABLE, migrateToLatest } from '../../src/adapters/sql/migrate-to-latest.js';
import { METADATA_MIGRATIONS } from '../../src/adapters/sql/migrations/index.js';
import { createPostgresKysely } from '../../src/adapters/sql/postgres-kysely.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { newImageId } from '../../src/domain/ids.js';
import { describeMetadataStoresContract } from '../contract/metadata-stores.contract.js';
import { freePort } from '../support/ports.js';
import { adapterEnabled, TEST_POSTGRES_URL } from '../support/servers.js';

const enabled = adapterEnabled('postgres');

/** A fresh, empty database on the test server; `drop()` removes it (forcing out any connection left behind). */
interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `ts_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

function newPool(url: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4, ...options });
  pool.on('error', () => {});
  return pool;
}

describe.runIf(enabled)('PostgreSQL metadata store', () => {
  describeMetadataStoresContract('postgres', async () => {
    const scratch = await createScratchDatabase();
    const pool = newPool(scratch.url);
    const store = await createPostgresMetadataStore(pool);
    return {
      stores: store,
      async cleanup() {
        await store.close();
        await pool.end();
        await scratch.drop();
      },
    };
  });

  describe('postgres specifics', () => {
    let scratch: ScratchDatabase;
    beforeAll(async () => {
      scratch = await createScratchDatabase();
    });
    afterAll(async () => {
      await scratch?.drop();
    });

    it('three pools migrating the same new database at once all succeed; it is migrated exactly once', async () => {
      const pools = [0, 1, 2].map(() => newPool(scratch.url, { max: 2 }));
      const dbs = pools.map((pool) => createPostgresKysely(pool));
      try {
        const applied = await Promise.all(dbs.map((db) => migrateToLatest(db)));
        expect(applied.flat()).toStrictEqual(Object.keys(METADATA_MIGRATIONS));
        const check = pools[0]!;
        const { rows } = await check.query(`select name from ${MIGRATION_TABLE}`);
        expect(rows).toEqual(Object.keys(METADATA_MIGRATIONS).map((name) => ({ name })));
        const indexes = await check.query(
          `select indexname, indexdef from pg_indexes where tablename = 'images' order by indexname`,
        );
        expect(indexes.rows.map((row: { indexname: string }) => row.indexname)).toStrictEqual([
          'images_created_at_id_idx',
          'images_pkey',
          'images_status_updated_at_idx',
          'images_tenant_created_at_id_idx',
          'images_tenant_original_sha256_idx',
          'images_tenant_status_created_at_id_idx',
        ]);
        const defs = indexes.rows.map((row: { indexdef: string }) => row.indexdef).join('\n');
        expect(defs).toContain('(status, updated_at)');
        expect(defs).toContain('(tenant, created_at, id)');
        expect(defs).toContain('(tenant, original_sha256)');
        // Stores built on these pools afterwards find nothing left to do.
        expect(await migratePostgresDatabase(scratch.url)).toStrictEqual([]);
      } finally {
        for (const db of dbs) await db.destroy();
        for (const pool of pools) await pool.end();
      }
    });

    it('the store borrows the pool: close() leaves it usable for its owner', async () => {
      const pool = newPool(scratch.url);
      try {
        const store = await createPostgresMetadataStore(pool);
        await store.close();
        const { rows } = await pool.query('select 1 as one');
        expect(rows).toEqual([{ one: 1 }]);
      } finally {
        await pool.end();
      }
    });

    it('ping, queries and start-up against a closed port fail with TS_DATABASE_UNAVAILABLE', async () => {
      const url = new URL(scratch.url);
      url.port = String(await freePort());
      const pool = newPool(url.toString(), { connectionTimeoutMillis: 2_000 });
      try {
        const store = kyselyMetadataStores(createPostgresKysely(pool));
        const error = await store.ping().catch((reason: unknown) => reason);
        expect(error).toBeInstanceOf(ThumbsmithError);
        expect((error as ThumbsmithError).code).toBe('TS_DATABASE_UNAVAILABLE');
        expect((error as ThumbsmithError).cause).toMatchObject({ code: 'ECONNREFUSED' });
        await expect(store.images.getImage(newImageId())).rejects.toMatchObject({ code: 'TS_DATABASE_UNAVAILABLE' });
        await expect(store.maintenance.listStaleQueued(new Date(), 10)).rejects.toMatchObject({
          code: 'TS_DATABASE_UNAVAILABLE',
        });
        await store.close();
        await expect(createPostgresMetadataStore(pool)).rejects.toMatchObject({ code: 'TS_DATABASE_UNAVAILABLE' });
        await expect(migratePostgresDatabase(url.toString())).rejects.toMatchObject({
          code: 'TS_DATABASE_UNAVAILABLE',
        });
      } finally {
        await pool.end();
      }
    });

    it('a store whose pool has been ended reports TS_DATABASE_UNAVAILABLE', async () => {
      const pool = newPool(scratch.url);
      const store = await createPostgresMetadataStore(pool);
      await pool.end();
      await expect(store.ping()).rejects.toMatchObject({ code: 'TS_DATABASE_UNAVAILABLE' });
      await expect(store.images.getImage(newImageId())).rejects.toMatchObject({ code: 'TS_DATABASE_UNAVAILABLE' });
      await store.close();
    });

    it('ping gives up after pingTimeoutMs when the server never answers', async () => {
      // A listener that accepts the TCP connection and never speaks: the Postgres handshake hangs.
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => {
        sockets.add(socket);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const url = new URL(scratch.url);
      url.port = String(address.port);
      const good = newPool(scratch.url);
      const silentPool = newPool(url.toString());
      try {
        // Migrate through a good pool, then build the store over the silent one (no migration needed there).
        await (await createPostgresMetadataStore(good)).close();
        const store = kyselyMetadataStores(createPostgresKysely(silentPool), { pingTimeoutMs: 300 });
        await expect(store.ping()).rejects.toMatchObject({
          code: 'TS_DATABASE_UNAVAILABLE',
          message: expect.stringContaining('no answer within 300 ms'),
        });
        await store.close();
      } finally {
        await good.end();
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
        await silentPool.end();
      }
    });
  });
});
