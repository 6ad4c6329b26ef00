import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { download, uploadOk, waitForFinal } from '../support/http.js';
import { deleteQueuePrefix } from '../support/queue-fixtures.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { createScratchDatabase, listS3Keys, type ScratchDatabase, s3ObjectBytes, sha256 } from '../support/topology.js';

/**
 * Every combination of the three adapters is chosen by configuration alone: `thumbsmith start` with DATABASE_URL,
 * QUEUE_URL (+ QUEUE_PREFIX) and STORAGE_URL (+ S3_ENDPOINT and AWS credentials) set or unset, nothing else. Each run
 * uploads one image, waits for `done`, downloads every thumbnail, then looks into the engines themselves: the row in
 * the database it was told to use, the job keys under the Redis prefix (or BullMQ's tables in PostgreSQL, or the jobs
 * table in SQLite), and the blobs in S3 (or the directory) by key and SHA-256.
 */
type DatabaseKind = 'sqlite' | 'postgres';
type QueueKind = 'sqlite' | 'redis' | 'postgres';
type StorageKind = 'fs' | 's3';

const COMBINATIONS: Array<[DatabaseKind, QueueKind, StorageKind]> = [];
for (const database of ['sqlite', 'postgres'] as const) {
  // The PostgreSQL queue is tried where it is the default: in the PostgreSQL metadata database.
  const queues = database === 'postgres' ? (['sqlite', 'redis', 'postgres'] as const) : (['sqlite', 'redis'] as const);
  for (const queue of queues) {
    for (const storage of ['fs', 's3'] as const) COMBINATIONS.push([database, queue, storage]);
  }
}

const servicesAvailable = adapterEnabled('postgres') && adapterEnabled('bullmq') && adapterEnabled('s3');

interface StoredVariant {
  preset: string;
  key: string;
  sha256: string;
  bytes: number;
}
interface StoredRow {
  status: string;
  original_key: string;
  original_sha256: string;
  variants: string;
  completed_at: string | number | null;
}

let s3: S3TestServer;
const running: ServiceProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (servicesAvailable) s3 = await startS3Server();
});
afterEach(async () => {
  for (const service of running.splice(0)) {
    await service.stop('SIGTERM');
    await removeDataDir(service.dataDir);
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await s3?.stop();
});

async function picture(): Promise<Buffer> {
  const shade = randomBytes(3);
  return sharp({ create: { width: 900, height: 600, channels: 3, background: { r: shade[0]!, g: shade[1]!, b: 90 } } })
    .composite([
      {
        input: await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffee00' } })
          .png()
          .toBuffer(),
        left: 40,
        top: 30,
      },
    ])
    .jpeg({ quality: 88 })
    .toBuffer();
}

describe.runIf(servicesAvailable)('every adapter combination, by configuration alone (thumbsmith start)', () => {
  it.each(COMBINATIONS)('database=%s queue=%s storage=%s', async (database, queue, storage) => {
    const env: Record<string, string> = { WORKER_CONCURRENCY: '1' };
    let scratch: ScratchDatabase | undefined;
    if (database === 'postgres') {
      const created = await createScratchDatabase();
      scratch = created;
      cleanups.push(() => created.drop());
      env.DATABASE_URL = created.url;
    }
    const queuePrefix = `tstopo:${randomBytes(6).toString('hex')}`;
    if (queue === 'redis') {
      env.QUEUE_URL = TEST_REDIS_URL;
      env.QUEUE_PREFIX = queuePrefix;
      cleanups.push(() => deleteQueuePrefix(TEST_REDIS_URL, queuePrefix));
    }
    // Beside PostgreSQL the embedded queue has to be asked for; unset, the queue is PostgreSQL's.
    if (queue === 'sqlite' && database === 'postgres') env.QUEUE_URL = 'sqlite';
    const storagePrefix = `combo-${randomBytes(4).toString('hex')}`;
    if (storage === 's3') {
      Object.assign(env, {
        STORAGE_URL: `s3://${s3.bucket}/${storagePrefix}`,
        S3_ENDPOINT: s3.endpoint,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_REGION: s3.region,
      });
    }

    const service = await startService({ command: 'start', env });
    running.push(service);
    const source = await picture();
    const uploaded = await uploadOk(service.url, source, 'combo.jpg');
    const image = await waitForFinal(service.url, uploaded.id, 30_000);
    expect(image.status).toBe('done');
    expect(image.original!.sha256).toBe(sha256(source));

    // The API serves every preset, with the right dimensions and an ETag that is the bytes' hash.
    const served = new Map<string, string>();
    for (const variant of image.variants) {
      const response = await download(service.url, image.id, variant.preset);
      expect(response.status).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(response.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height]).toEqual([variant.width, variant.height]);
      served.set(variant.preset, sha256(bytes));
    }
    expect([...served.keys()].sort()).toEqual(['large', 'medium', 'small']);

    // The metadata is in the database the configuration named (and only there).
    const sqliteFile = join(service.dataDir, 'thumbsmith.db');
    let row: StoredRow | undefined;
    if (scratch) {
      [row] = await scratch.query<StoredRow>('select * from images where id = $1', [image.id]);
      expect(existsSync(sqliteFile)).toBe(false);
    } else {
      const db = new Database(sqliteFile, { readonly: true });
      try {
        row = db.prepare('select * from images where id = ?').get(image.id) as StoredRow | undefined;
      } finally {
        db.close();
      }
    }
    expect(row?.status).toBe('done');
    expect(row?.completed_at).not.toBeNull();
    expect(row?.original_sha256).toBe(sha256(source));
    const variants = JSON.parse(row!.variants) as StoredVariant[];
    expect(variants.map((v) => v.preset).sort()).toEqual(['large', 'medium', 'small']);

    // The blobs are in the store the configuration named, byte for byte what the API served.
    const blobBytes = async (key: string): Promise<Buffer> =>
      storage === 's3'
        ? s3ObjectBytes(s3.client, s3.bucket, `${storagePrefix}/${key}`)
        : readFile(join(service.dataDir, 'blobs', key));
    expect(sha256(await blobBytes(row!.original_key))).toBe(sha256(source));
    for (const variant of variants) {
      const bytes = await blobBytes(variant.key);
      expect(sha256(bytes)).toBe(variant.sha256);
      expect(bytes.length).toBe(variant.bytes);
      expect(served.get(variant.preset)).toBe(variant.sha256);
    }
    if (storage === 's3') {
      const keys = await listS3Keys(s3.client, s3.bucket, `${storagePrefix}/`);
      expect(keys.sort()).toEqual(
        [row!.original_key, ...variants.map((v) => v.key)].map((key) => `${storagePrefix}/${key}`).sort(),
      );
      // Nothing went to the local directory instead.
      expect(existsSync(join(service.dataDir, 'blobs'))).toBe(false);
    }

    // The job went through the queue the configuration named.
    if (queue === 'redis') {
      const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        const keys = await redis.keys(`${queuePrefix}:*`);
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.some((key) => key.startsWith(`${queuePrefix}:jobs:`))).toBe(true);
      } finally {
        redis.disconnect();
      }
    } else if (queue === 'postgres') {
      // BullMQ's tables, in their schema (QUEUE_PREFIX's default) of the metadata database: the job came and went.
      expect(await scratch!.query('select id from thumbsmith.job')).toEqual([]);
      const events = await scratch!.query<{ event: string }>('select event from thumbsmith.event');
      expect(events.map((row) => row.event)).toEqual(expect.arrayContaining(['added', 'completed']));
      expect(existsSync(join(service.dataDir, 'queue.db'))).toBe(false);
    } else {
      // The embedded queue lives in the SQLite file: the metadata file, or DATA_DIR/queue.db next to Postgres.
      const queueFile = database === 'sqlite' ? sqliteFile : join(service.dataDir, 'queue.db');
      const db = new Database(queueFile, { readonly: true });
      try {
        const tables = db.prepare("select name from sqlite_master where type = 'table' and name = 'jobs'").all();
        expect(tables).toHaveLength(1);
        // Acknowledged jobs are deleted: nothing left waiting or dead.
        expect(db.prepare('select count(*) as n from jobs').get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    }
  });
});
