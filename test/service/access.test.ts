// The HTTP layer's use cases, run on the real embedded (SQLite) stores in a temp directory: who may call the API
// (ApiKeyVerifier) and uploads under an Idempotency-Key (IdempotentSubmitter).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KyselyIdempotencyStore } from '../../src/adapters/sql/kysely-idempotency-store.js';
import { openKyselyKeyStore } from '../../src/adapters/sql/kysely-key-store.js';
import { createSqliteKysely } from '../../src/adapters/sql/sqlite-kysely.js';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { issueKey } from '../../src/domain/api-keys.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import type { ImageRecord } from '../../src/domain/image.js';
import type { IdempotencyStore } from '../../src/ports/idempotency-store.js';
import type { KeyStore } from '../../src/ports/key-store.js';
import { ApiKeyVerifier } from '../../src/service/access.js';
import { IdempotentSubmitter } from '../../src/service/idempotent-submit.js';

let dir: string;
let keys: KeyStore;
let idempotency: IdempotencyStore;
let closeDatabase: () => void;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-access-'));
  const database = openSqliteDatabase(join(dir, 'thumbsmith.db'));
  const db = createSqliteKysely(database);
  keys = await openKyselyKeyStore(db, { ownsDb: true });
  idempotency = new KyselyIdempotencyStore(db);
  closeDatabase = () => database.close();
});

afterEach(async () => {
  await keys.close();
  closeDatabase();
  await rm(dir, { recursive: true, force: true });
});

async function storeKey(tenant: string) {
  const issued = issueKey();
  await keys.create({
    id: issued.id,
    tenant,
    name: 'test',
    scopes: ['read'],
    hash: issued.hash,
    createdAt: new Date(1_700_000_000_000),
  });
  return issued;
}

describe('ApiKeyVerifier', () => {
  it('needs no key until one exists, and reuses that answer for the cache period', async () => {
    let now = 1_000_000;
    const verifier = new ApiKeyVerifier(keys, { activeCacheMs: 1000, now: () => now });
    expect(await verifier.keysRequired()).toBe(false);
    await storeKey('acme');
    expect(await verifier.keysRequired()).toBe(false);
    now += 1000;
    expect(await verifier.keysRequired()).toBe(true);
  });

  it('verifies a stored key to its tenant and scopes, and refuses malformed, unknown and revoked ones alike', async () => {
    const verifier = new ApiKeyVerifier(keys);
    const issued = await storeKey('acme');
    expect(await verifier.verify(issued.key)).toEqual({ id: issued.id, tenant: 'acme', scopes: ['read'] });
    expect(await verifier.verify('not-a-key')).toBeUndefined();
    expect(await verifier.verify(issueKey().key)).toBeUndefined();
    expect(await verifier.verify(`${issued.key.slice(0, -1)}x`)).toBeUndefined();
    await keys.revoke(issued.id, new Date());
    expect(await verifier.verify(issued.key)).toBeUndefined();
  });

  it('records a use at most once a minute per key', async () => {
    let now = 1_700_000_000_000;
    const verifier = new ApiKeyVerifier(keys, { now: () => now });
    const issued = await storeKey('acme');
    const lastUsed = async () => (await keys.get(issued.id))?.lastUsedAt?.getTime();
    await verifier.recordUse(issued.id);
    expect(await lastUsed()).toBe(now);
    now += 59_999;
    await verifier.recordUse(issued.id);
    expect(await lastUsed()).toBe(now - 59_999);
    now += 1;
    await verifier.recordUse(issued.id);
    expect(await lastUsed()).toBe(now);
  });
});

describe('IdempotentSubmitter', () => {
  const image = (id: string) => ({ id, tenant: 'acme' }) as ImageRecord;
  const request = { tenant: 'acme', key: 'upload-1', sha256: 'a'.repeat(64) };

  it('submits once per key; a twin with the same file reads the first image', async () => {
    const submitter = new IdempotentSubmitter(idempotency);
    let submits = 0;
    const submit = async () => image(`img_${++submits}`);
    const read = async (id: string) => image(id);
    expect((await submitter.submitOnce(request, submit, read)).id).toBe('img_1');
    expect((await submitter.submitOnce(request, submit, read)).id).toBe('img_1');
    expect(submits).toBe(1);
  });

  it('refuses a twin with a different file', async () => {
    const submitter = new IdempotentSubmitter(idempotency);
    await submitter.submitOnce(
      request,
      async () => image('img_1'),
      async (id) => image(id),
    );
    const twin = submitter.submitOnce(
      { ...request, sha256: 'b'.repeat(64) },
      async () => image('img_2'),
      async (id) => image(id),
    );
    await expect(twin).rejects.toMatchObject({ code: 'TS_IDEMPOTENCY_MISMATCH' });
  });

  it('gives the key up when the submit fails, so a retry may claim it', async () => {
    const submitter = new IdempotentSubmitter(idempotency);
    const failing = submitter.submitOnce(
      request,
      async () => {
        throw new ThumbsmithError('TS_VALIDATION', 'bad');
      },
      async (id) => image(id),
    );
    await expect(failing).rejects.toMatchObject({ code: 'TS_VALIDATION' });
    expect(
      (
        await submitter.submitOnce(
          request,
          async () => image('img_2'),
          async (id) => image(id),
        )
      ).id,
    ).toBe('img_2');
  });
});
