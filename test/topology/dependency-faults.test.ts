import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3BlobStore } from '../../src/adapters/s3/s3-blob-store.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { getImage, upload, uploadOk, waitForFinal } from '../support/http.js';
import { deleteQueuePrefix } from '../support/queue-fixtures.js';
import { readiness } from '../support/readiness.js';
import { type S3TestServer, s3ClientFor, startS3Server } from '../support/s3-server.js';
import { adapterEnabled, TEST_POSTGRES_URL, TEST_REDIS_URL } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import {
  createScratchDatabase,
  reportUnexpectedExit,
  type ScratchDatabase,
  startTcpProxy,
  type TcpProxy,
  variedImage,
} from '../support/topology.js';
import { waitFor } from '../support/wait.js';

/**
 * Dependencies that misbehave short of a clean outage, on a real `thumbsmith api` and `thumbsmith worker`, each behind
 * its own proxies: an S3 that answers slowly (readiness says "slow" and stays ready), an S3 that resets connections
 * mid-body (a storage outage, so the image waits for the sweeper instead of failing), a Postgres that is gone (the
 * problem detail names no internal address).
 */
const enabled = adapterEnabled('postgres') && adapterEnabled('bullmq') && adapterEnabled('s3');

let s3: S3TestServer;
let scratch: ScratchDatabase;
let api: ServiceProcess;
let worker: ServiceProcess;
const proxies: Record<'apiDatabase' | 'apiStorage' | 'workerStorage', TcpProxy> = {} as never;
const queuePrefix = `tsfaults:${randomBytes(6).toString('hex')}`;
const storagePrefix = `faults-${randomBytes(4).toString('hex')}`;
const watchers: Array<{ expectExit(): void }> = [];
let imageCounter = 0;

function envFor(database: TcpProxy, storage: TcpProxy): Record<string, string> {
  const databaseUrl = new URL(scratch.url);
  databaseUrl.host = `127.0.0.1:${database.port}`;
  return {
    DATABASE_URL: databaseUrl.toString(),
    QUEUE_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    STORAGE_URL: `s3://${s3.bucket}/${storagePrefix}`,
    S3_ENDPOINT: `http://127.0.0.1:${storage.port}`,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    // One attempt: the image's fate is decided by how its first failure is classified.
    JOB_MAX_ATTEMPTS: '1',
    JOB_LEASE_MS: '2000',
    JOB_TIMEOUT_MS: '5000',
    FETCH_TIMEOUT_MS: '5000',
    DRAIN_TIMEOUT_MS: '5000',
    SWEEP_INTERVAL_MS: '500',
    SWEEP_STALE_MS: '1500',
  };
}

/** A JPEG of some 100 KB (noise does not compress): its download cannot fit before the reset. */
function noisyJpeg(): Promise<Buffer> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 50 };
  return sharp({ create: { width: 400, height: 300, channels: 3, background: '#808080', noise } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

beforeAll(async () => {
  if (!enabled) return;
  s3 = await startS3Server();
  scratch = await createScratchDatabase();
  const postgres = new URL(TEST_POSTGRES_URL);
  const s3Url = new URL(s3.endpoint);
  const toPostgres = { host: postgres.hostname, port: Number(postgres.port || 5432) };
  const toS3 = { host: s3Url.hostname, port: Number(s3Url.port) };
  proxies.apiDatabase = await startTcpProxy(toPostgres);
  proxies.apiStorage = await startTcpProxy(toS3);
  proxies.workerStorage = await startTcpProxy(toS3);
  const workerDatabase = await startTcpProxy(toPostgres);
  [api, worker] = await Promise.all([
    startService({ command: 'api', env: envFor(proxies.apiDatabase, proxies.apiStorage) }),
    startService({ command: 'worker', env: envFor(workerDatabase, proxies.workerStorage) }),
  ]);
  watchers.push(reportUnexpectedExit('api', api), reportUnexpectedExit('worker', worker));
});

afterAll(async () => {
  if (!enabled) return;
  for (const watcher of watchers) watcher.expectExit();
  for (const service of [api, worker]) {
    if (!service) continue;
    await service.stop('SIGTERM');
    await removeDataDir(service.dataDir);
  }
  for (const proxy of Object.values(proxies)) await proxy.close();
  await scratch?.drop();
  await deleteQueuePrefix(TEST_REDIS_URL, queuePrefix);
  await s3?.stop();
});

describe.runIf(enabled)('dependency faults short of an outage (api and worker behind proxies)', () => {
  it('an S3 slower than the 2 s readiness bound is reported slow, and the process stays ready', async () => {
    await proxies.apiStorage.fault({ delayMs: 2500 });
    try {
      // Several probes in a row: none flaps to 503 while S3 still answers.
      for (let probe = 0; probe < 3; probe += 1) {
        const {
          status,
          body: { checks },
        } = await readiness(api.url);
        expect({ status, storage: checks.storage }).toMatchObject({ status: 200, storage: { ok: true, slow: true } });
      }
      // Slow is not down: an upload still goes through, just later.
      const accepted = await uploadOk(api.url, await variedImage(imageCounter++), 'slow-s3.png');
      expect((await waitForFinal(api.url, accepted.id, 60_000)).status).toBe('done');
    } finally {
      await proxies.apiStorage.fault({});
    }
    await proxies.apiStorage.cut();
    try {
      const down = await waitFor(
        'readiness to report S3 down',
        async () => {
          const answer = await readiness(api.url);
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(down.body.checks.storage).toMatchObject({ ok: false, code: 'TS_STORAGE_UNAVAILABLE' });
      expect(down.body.checks.storage.error).not.toContain('127.0.0.1');
    } finally {
      await proxies.apiStorage.restore();
    }
    await waitFor('readiness to recover', async () => (await readiness(api.url)).status === 200, {
      timeoutMs: 30_000,
    });
  });

  it('S3 resetting connections mid-body is a storage outage: on its last attempt the image waits, then finishes', async () => {
    // The worker's S3 cuts every answer after 4 KiB: small answers pass, the original's download is reset mid-body.
    await proxies.workerStorage.fault({ resetAfterBytes: 4096 });
    let id: string;
    try {
      id = (await uploadOk(api.url, await noisyJpeg(), 'reset.jpg')).id;
      const gaveUp = await waitFor(
        'the worker to give up its only attempt',
        async () =>
          worker.logs.find(
            (line) =>
              line.imageId === id && line.msg === 'attempts used up during an outage; the sweeper will re-enqueue',
          ),
        { timeoutMs: 30_000 },
      );
      expect(gaveUp.code).toBe('TS_STORAGE_UNAVAILABLE');
      // Not failed: it waits (queued, or processing again once the sweeper re-enqueued it) with the outage recorded.
      const waiting = await getImage(api.url, id);
      expect(waiting.status).not.toBe('failed');
      expect(waiting.error?.code).toBe('TS_STORAGE_UNAVAILABLE');
    } finally {
      await proxies.workerStorage.fault({});
    }
    const done = await waitForFinal(api.url, id, 30_000);
    expect(done.status).toBe('done');
  });

  it('a reset mid-body surfaces from the blob stream as TS_STORAGE_UNAVAILABLE, not TS_INTERNAL', async () => {
    const store = createS3BlobStore({
      client: s3ClientFor(`http://127.0.0.1:${proxies.workerStorage.port}`),
      bucket: s3.bucket,
      prefix: `${storagePrefix}-direct`,
    });
    try {
      await store.put('content/reset/original', { buffer: randomBytes(512 * 1024) }, { contentType: 'image/png' });
      await proxies.workerStorage.fault({ resetAfterBytes: 16 * 1024 });
      const body = await store.get('content/reset/original');
      const read = (async () => {
        for await (const _chunk of body) {
          // draining until the reset
        }
      })();
      const error = await read.catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ThumbsmithError);
      expect((error as ThumbsmithError).code).toBe('TS_STORAGE_UNAVAILABLE');
    } finally {
      await proxies.workerStorage.fault({});
      await store.close();
    }
  });

  it('Postgres down: the 503 names no internal address, in the problem detail or in readiness', async () => {
    const baseline = await uploadOk(api.url, await variedImage(imageCounter++), 'baseline.png');
    await proxies.apiDatabase.cut();
    try {
      const port = String(proxies.apiDatabase.port);
      for (const response of [
        await fetch(`${api.url}/v1/images/${baseline.id}`),
        await upload(api.url, await variedImage(imageCounter++)),
      ]) {
        const text = await response.text();
        const body = JSON.parse(text) as { code: string; detail: string };
        expect({ status: response.status, code: body.code }).toEqual({ status: 503, code: 'TS_DATABASE_UNAVAILABLE' });
        expect(response.headers.get('retry-after')).not.toBeNull();
        expect(text).not.toContain('127.0.0.1');
        expect(text).not.toContain(port);
      }
      const down = await waitFor(
        'readiness to report the database down',
        async () => {
          const answer = await readiness(api.url);
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(down.body.checks.database.code).toBe('TS_DATABASE_UNAVAILABLE');
      expect(JSON.stringify(down.body.checks.database)).not.toContain(port);
      // The operator still gets the whole story in the log.
      expect(api.logs.some((line) => JSON.stringify(line).includes(`127.0.0.1:${port}`))).toBe(true);
    } finally {
      await proxies.apiDatabase.restore();
    }
    await waitFor('readiness to recover', async () => (await readiness(api.url)).status === 200, {
      timeoutMs: 30_000,
    });
  });
});
