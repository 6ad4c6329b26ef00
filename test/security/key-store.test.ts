import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { KyselyIdempotencyStore } from '../../src/adapters/sql/kysely-idempotency-store.js';
import { openKyselyKeyStore } from '../../src/adapters/sql/kysely-key-store.js';
import { KyselyWebhookSecretStore } from '../../src/adapters/sql/kysely-webhook-secret-store.js';
import { createPostgresKysely } from '../../src/adapters/sql/postgres-kysely.js';
import { createSqliteKysely } from '../../src/adapters/sql/sqlite-kysely.js';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { describeIdempotencyStoreContract } from '../contract/idempotency-store.contract.js';
import { describeKeyStoreContract } from '../contract/key-store.contract.js';
import { describeWebhookSecretStoreContract } from '../contract/webhook-secret-store.contract.js';
import { adapterEnabled, TEST_POSTGRES_URL } from '../support/servers.js';

async function openSqliteStores() {
  const dir = await mkdtemp(join(tmpdir(), 'ts-keys-'));
  const database = openSqliteDatabase(join(dir, 'thumbsmith.db'));
  const db = createSqliteKysely(database);
  const keys = await openKyselyKeyStore(db, { ownsDb: true });
  return {
    keys,
    idempotency: new KyselyIdempotencyStore(db),
    webhookSecrets: new KyselyWebhookSecretStore(db),
    async cleanup() {
      await keys.close();
      database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgresStores() {
  const name = `ts_keys_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  // The drop below terminates any connection still closing; that is expected here, not an uncaught error.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = createPostgresKysely(pool);
  const keys = await openKyselyKeyStore(db, { ownsDb: true });
  return {
    keys,
    idempotency: new KyselyIdempotencyStore(db),
    webhookSecrets: new KyselyWebhookSecretStore(db),
    async cleanup() {
      await keys.close();
      await pool.end();
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

describe.runIf(adapterEnabled('sqlite'))('SQLite security stores (keys, idempotency, webhook secrets)', () => {
  describeIdempotencyStoreContract('sqlite', async () => {
    const stores = await openSqliteStores();
    return { store: stores.idempotency, cleanup: stores.cleanup };
  });
  describeKeyStoreContract('sqlite', async () => {
    const stores = await openSqliteStores();
    return { store: stores.keys, cleanup: stores.cleanup };
  });
  describeWebhookSecretStoreContract('sqlite', async () => {
    const stores = await openSqliteStores();
    return { store: stores.webhookSecrets, cleanup: stores.cleanup };
  });
});

describe.runIf(adapterEnabled('postgres'))('PostgreSQL security stores (keys, idempotency, webhook secrets)', () => {
  describeIdempotencyStoreContract('postgres', async () => {
    const stores = await openPostgresStores();
    return { store: stores.idempotency, cleanup: stores.cleanup };
  });
  describeKeyStoreContract('postgres', async () => {
    const stores = await openPostgresStores();
    return { store: stores.keys, cleanup: stores.cleanup };
  });
  describeWebhookSecretStoreContract('postgres', async () => {
    const stores = await openPostgresStores();
    return { store: stores.webhookSecrets, cleanup: stores.cleanup };
  });
});
