import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, getImage, upload, uploadOk, waitForFinal } from '../support/http.js';
import { deleteQueuePrefix } from '../support/queue-fixtures.js';
import { type ReadinessBody, readiness } from '../support/readiness.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import { adapterEnabled, TEST_POSTGRES_URL, TEST_REDIS_URL } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import {
  createScratchDatabase,
  listS3Keys,
  mapLimit,
  reportUnexpectedExit,
  type ScratchDatabase,
  sha256,
  startTcpProxy,
  type TcpProxy,
  variedImage,
} from '../support/topology.js';
import { waitFor } from '../support/wait.js';

/**
 * Dependency outages, one at a time, on a real `thumbsmith api` and `thumbsmith worker`: each process reaches
 * Postgres, Redis and S3 through its own TCP proxy, so the test can take a dependency away from one process (or
 * both) and give it back without touching the servers. What must hold: readiness names the failing dependency with
 * its catalogue code; requests that need it answer 503 with that code and Retry-After; uploads are acknowledged only
 * when they are durable; everything recovers by itself; no acknowledged upload is lost and no blob is orphaned.
 */
type Dependency = 'database' | 'queue' | 'storage';
interface ProxySet {
  database: TcpProxy;
  queue: TcpProxy;
  storage: TcpProxy;
}

const enabled = adapterEnabled('postgres') && adapterEnabled('bullmq') && adapterEnabled('s3');

let s3: S3TestServer;
let scratch: ScratchDatabase;
let api: ServiceProcess;
let worker: ServiceProcess;
let apiProxies: ProxySet;
let workerProxies: ProxySet;
const queuePrefix = `tsoutage:${randomBytes(6).toString('hex')}`;
const storagePrefix = `outage-${randomBytes(4).toString('hex')}`;
/** Every upload the API acknowledged (202): each must end `done`. */
const acknowledged: string[] = [];
/** SHA-256 of uploads answered 503 TS_DATABASE_UNAVAILABLE while connections dropped: their insert may have committed. */
const unknownOutcomes: string[] = [];
let imageCounter = 0;
const watchers: Array<{ expectExit(): void }> = [];

async function proxies(): Promise<ProxySet> {
  const postgres = new URL(TEST_POSTGRES_URL);
  const redis = new URL(TEST_REDIS_URL);
  const s3Url = new URL(s3.endpoint);
  return {
    database: await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) }),
    queue: await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) }),
    storage: await startTcpProxy({ host: s3Url.hostname, port: Number(s3Url.port) }),
  };
}

function envFor(set: ProxySet): Record<string, string> {
  const database = new URL(scratch.url);
  database.host = `127.0.0.1:${set.database.port}`;
  return {
    DATABASE_URL: database.toString(),
    QUEUE_URL: `redis://127.0.0.1:${set.queue.port}`,
    QUEUE_PREFIX: queuePrefix,
    STORAGE_URL: `s3://${s3.bucket}/${storagePrefix}`,
    S3_ENDPOINT: `http://127.0.0.1:${set.storage.port}`,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    // Short enough for a test: retries, lease and sweeper in seconds rather than minutes.
    JOB_MAX_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '100',
    JOB_BACKOFF_MAX_MS: '300',
    JOB_LEASE_MS: '2000',
    // A row left `processing` by a job that died is re-enqueued after
    // max(SWEEP_STALE_MS, max(this, FETCH_TIMEOUT_MS) + 2 leases) = 9 s.
    JOB_TIMEOUT_MS: '5000',
    FETCH_TIMEOUT_MS: '5000',
    // A request left on a Postgres connection the proxy cut mid-query holds the API's close until this deadline.
    DRAIN_TIMEOUT_MS: '5000',
    SWEEP_INTERVAL_MS: '500',
    SWEEP_STALE_MS: '1500',
    WORKER_CONCURRENCY: '2',
  };
}

/** Waits until `/readyz` shows exactly `failing` as down (with its code), or all up when `failing` is undefined. */
async function expectReadiness(url: string, failing: Dependency | undefined): Promise<ReadinessBody> {
  return waitFor(
    `readiness ${failing ?? 'ready'} at ${url}`,
    async () => {
      const { status, body } = await readiness(url);
      const down = (['database', 'queue', 'storage'] as const).filter((d) => !body.checks[d].ok);
      if (failing === undefined) return status === 200 && down.length === 0 ? body : undefined;
      return status === 503 && down.length === 1 && down[0] === failing ? body : undefined;
    },
    { timeoutMs: 20_000 },
  );
}

const CODES: Record<Dependency, string> = {
  database: 'TS_DATABASE_UNAVAILABLE',
  queue: 'TS_QUEUE_UNAVAILABLE',
  storage: 'TS_STORAGE_UNAVAILABLE',
};

async function expectProblem(response: Response, code: string): Promise<void> {
  const body = (await response.json()) as { code: string; status: number };
  expect({ status: response.status, code: body.code }).toEqual({ status: 503, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
}

async function uploadAcknowledged(): Promise<string> {
  const { id } = await uploadOk(api.url, await variedImage(imageCounter++), 'outage.png');
  acknowledged.push(id);
  return id;
}

beforeAll(async () => {
  if (!enabled) return;
  s3 = await startS3Server();
  scratch = await createScratchDatabase();
  apiProxies = await proxies();
  workerProxies = await proxies();
  [api, worker] = await Promise.all([
    startService({ command: 'api', env: envFor(apiProxies) }),
    startService({ command: 'worker', env: envFor(workerProxies) }),
  ]);
  watchers.push(reportUnexpectedExit('api', api), reportUnexpectedExit('worker', worker));
  await expectReadiness(api.url, undefined);
  await expectReadiness(worker.url, undefined);
});

afterAll(async () => {
  if (!enabled) return;
  for (const watcher of watchers) watcher.expectExit();
  for (const service of [api, worker]) {
    if (!service) continue;
    await service.stop('SIGTERM');
    await removeDataDir(service.dataDir);
  }
  for (const set of [apiProxies, workerProxies]) {
    for (const proxy of Object.values(set ?? {})) await proxy.close();
  }
  await scratch?.drop();
  await deleteQueuePrefix(TEST_REDIS_URL, queuePrefix);
  await s3?.stop();
});

describe.runIf(enabled)('dependency outages (api and worker processes behind proxies)', () => {
  let baseline: string;

  it('serves when everything is up; the worker process has no image API', async () => {
    baseline = await uploadAcknowledged();
    expect((await waitForFinal(api.url, baseline)).status).toBe('done');
    const fromWorker = await fetch(`${worker.url}/v1/images/${baseline}`);
    expect(fromWorker.status).toBe(404);
    expect(((await fromWorker.json()) as { code: string }).code).toBe('TS_ROUTE_NOT_FOUND');
    expect((await fetch(`${worker.url}/v1/images`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${worker.url}/docs/json`)).status).toBe(404);
    expect((await fetch(`${api.url}/docs/json`)).status).toBe(200);
    const workerReady = await readiness(worker.url);
    expect(Object.keys(workerReady.body.checks).sort()).toEqual(['database', 'disk', 'queue', 'storage', 'workers']);
    expect((await readiness(api.url)).body.checks).not.toHaveProperty('workers');
  });

  it('Postgres down: readiness and requests answer 503 TS_DATABASE_UNAVAILABLE; back by itself', async () => {
    await apiProxies.database.cut();
    await workerProxies.database.cut();
    for (const url of [api.url, worker.url]) {
      const body = await expectReadiness(url, 'database');
      expect(body.checks.database.code).toBe(CODES.database);
    }
    await expectProblem(await upload(api.url, await variedImage(imageCounter++)), CODES.database);
    await expectProblem(await fetch(`${api.url}/v1/images/${baseline}`), CODES.database);

    await apiProxies.database.restore();
    await workerProxies.database.restore();
    await expectReadiness(api.url, undefined);
    await expectReadiness(worker.url, undefined);
    const id = await uploadAcknowledged();
    expect((await waitForFinal(api.url, id)).status).toBe('done');
  });

  it('S3 down: readiness and requests answer 503 TS_STORAGE_UNAVAILABLE; back by itself', async () => {
    await apiProxies.storage.cut();
    await workerProxies.storage.cut();
    for (const url of [api.url, worker.url]) {
      const body = await expectReadiness(url, 'storage');
      expect(body.checks.storage.code).toBe(CODES.storage);
    }
    await expectProblem(await upload(api.url, await variedImage(imageCounter++)), CODES.storage);
    await expectProblem(await download(api.url, baseline, 'small'), CODES.storage);
    // Metadata does not need the storage.
    expect((await getImage(api.url, baseline)).status).toBe('done');

    await apiProxies.storage.restore();
    await workerProxies.storage.restore();
    await expectReadiness(api.url, undefined);
    await expectReadiness(worker.url, undefined);
    expect((await download(api.url, baseline, 'small')).status).toBe(200);
    const id = await uploadAcknowledged();
    expect((await waitForFinal(api.url, id)).status).toBe('done');
  });

  it('Redis down: readiness says TS_QUEUE_UNAVAILABLE, uploads are still acknowledged and done after it returns', async () => {
    await apiProxies.queue.cut();
    await workerProxies.queue.cut();
    for (const url of [api.url, worker.url]) {
      const body = await expectReadiness(url, 'queue');
      expect(body.checks.queue.code).toBe(CODES.queue);
    }
    // The row and the original are durable before the 202; only the enqueue failed, and the sweeper owns that.
    const during = [await uploadAcknowledged(), await uploadAcknowledged(), await uploadAcknowledged()];
    for (const id of during) expect((await getImage(api.url, id)).status).toBe('queued');
    expect(api.logs.some((l) => l.msg === 'enqueue failed; the sweeper will re-enqueue the image')).toBe(true);

    await apiProxies.queue.restore();
    await workerProxies.queue.restore();
    await expectReadiness(api.url, undefined);
    await expectReadiness(worker.url, undefined);
    for (const id of during) expect((await waitForFinal(api.url, id, 30_000)).status).toBe('done');
  });

  it('the worker loses S3 longer than its retry budget: images wait in queued, then finish when S3 is back', async () => {
    await workerProxies.storage.cut();
    const ids = [await uploadAcknowledged(), await uploadAcknowledged()];
    // Three attempts 100–300 ms apart are spent well within this; without the outage rule the images would be failed.
    await waitFor(
      'the worker to give up its attempts',
      async () =>
        worker.logs.filter((l) => l.msg === 'attempts used up during an outage; the sweeper will re-enqueue').length >=
        ids.length
          ? true
          : undefined,
      { timeoutMs: 15_000 },
    );
    for (const id of ids) {
      const image = await getImage(api.url, id);
      expect(image.status).toBe('queued');
      expect(image.error?.code).toBe(CODES.storage);
    }
    await workerProxies.storage.restore();
    for (const id of ids) {
      const image = await waitForFinal(api.url, id, 30_000);
      expect(image.status).toBe('done');
      expect(image.error).toBeNull();
    }
  });

  it('the worker loses Postgres while jobs arrive: they finish after it returns', async () => {
    await workerProxies.database.cut();
    const ids = [await uploadAcknowledged(), await uploadAcknowledged()];
    await expectReadiness(worker.url, 'database');
    // The API is unaffected and keeps accepting.
    await expectReadiness(api.url, undefined);
    await workerProxies.database.restore();
    for (const id of ids) expect((await waitForFinal(api.url, id, 30_000)).status).toBe('done');
  });

  it('Postgres connections dropped abruptly under load (crash, failover, network): both processes carry on', async () => {
    // Cutting the proxies resets every connection at once, queries in flight included (no goodbye from the server).
    let cutting = true;
    let cuts = 0;
    const cutter = (async () => {
      while (cutting) {
        await Promise.all([apiProxies.database.cut(), workerProxies.database.cut()]);
        cuts += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        await Promise.all([apiProxies.database.restore(), workerProxies.database.restore()]);
        await new Promise((resolve) => setTimeout(resolve, 80));
      }
    })();
    const answers = await mapLimit(
      Array.from({ length: 30 }, () => imageCounter++),
      6,
      async (n) => {
        const bytes = await variedImage(n);
        const response = await upload(api.url, bytes);
        const body = (await response.json()) as { id?: string; code?: string };
        if (response.status === 202 && body.id) acknowledged.push(body.id);
        if (body.code === CODES.database) unknownOutcomes.push(sha256(bytes));
        return response.status === 202 ? 'accepted' : `${response.status} ${body.code}`;
      },
    );
    cutting = false;
    await cutter;
    expect(cuts).toBeGreaterThan(3);
    // Every answer is an acceptance or the clear outage answer, never a crash or a 500.
    expect(answers.filter((a) => a !== 'accepted' && a !== `503 ${CODES.database}`)).toEqual([]);
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    await expectReadiness(api.url, undefined);
    await expectReadiness(worker.url, undefined);
    for (const id of acknowledged) expect((await waitForFinal(api.url, id, 30_000)).status).toBe('done');
    // Rows whose upload was answered 503 but committed anyway are found by the sweeper and finished too.
    await waitFor(
      'every row done',
      async () => {
        const [row] = await scratch.query<{ n: string }>("select count(*) as n from images where status <> 'done'");
        return Number(row?.n) === 0 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  });

  it('after it all: every acknowledged upload is done, and S3 holds exactly the blobs of the rows', async () => {
    const rows = await scratch.query<{
      id: string;
      status: string;
      original_key: string;
      original_sha256: string;
      variants: string;
    }>('select id, status, original_key, original_sha256, variants from images');
    const ids = new Set(rows.map((row) => row.id));
    for (const id of acknowledged) expect(ids.has(id)).toBe(true);
    for (const row of rows) expect({ id: row.id, status: row.status }).toEqual({ id: row.id, status: 'done' });
    // A row nobody acknowledged exists only where the answer was lost with the connection: the upload was answered
    // 503 TS_DATABASE_UNAVAILABLE, yet the insert had committed. It is complete all the same (its original was kept).
    const known = new Set(acknowledged);
    for (const row of rows.filter((r) => !known.has(r.id))) expect(unknownOutcomes).toContain(row.original_sha256);

    const referenced = new Set(
      rows.flatMap((row) => [
        row.original_key,
        ...(JSON.parse(row.variants) as Array<{ key: string }>).map((v) => v.key),
      ]),
    );
    const stored = (await listS3Keys(s3.client, s3.bucket, `${storagePrefix}/`)).map((key) =>
      key.slice(storagePrefix.length + 1),
    );
    expect([...referenced].filter((key) => !stored.includes(key))).toEqual([]);
    // No orphan blob: the originals of uploads rejected during the outages were removed again, except (kept on
    // purpose, for the garbage collector) those whose insert outcome was unknown.
    const orphans = stored.filter((key) => !referenced.has(key));
    for (const key of orphans) {
      const sha = /^content\/([0-9a-f]{64})\/[0-9a-f]{24}\/original$/.exec(key)?.[1];
      expect(unknownOutcomes).toContain(sha);
    }
  });
});
