import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/telemetry/names.js';
import { uploadOk, waitForFinal } from '../support/http.js';
import { makeJpeg } from '../support/images.js';
import { Scrape } from '../support/prometheus-text.js';
import { deleteQueuePrefix, uniqueQueuePrefix } from '../support/queue-fixtures.js';
import { readiness } from '../support/readiness.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { createScratchDatabase, type ScratchDatabase, startTcpProxy, type TcpProxy } from '../support/topology.js';
import { waitFor } from '../support/wait.js';

const scaleOut = adapterEnabled('postgres') && adapterEnabled('bullmq');

describe.skipIf(!scaleOut)('readiness and heartbeats in scale-out (API and worker processes)', () => {
  const prefix = uniqueQueuePrefix();
  let database: ScratchDatabase;
  let redisProxy: TcpProxy;
  let dataDir: string;
  let api: ServiceProcess;
  let worker: ServiceProcess;

  beforeAll(async () => {
    database = await createScratchDatabase();
    const redis = new URL(TEST_REDIS_URL);
    // The worker reaches Redis through a proxy the test can cut: its queue contact (heartbeat) stops, nothing else.
    redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    dataDir = await mkdtemp(join(tmpdir(), 'thumbsmith-health-'));
    const shared = {
      DATABASE_URL: database.url,
      QUEUE_PREFIX: prefix,
      STORAGE_URL: `file:${join(dataDir, 'blobs')}`,
      JOB_LEASE_MS: '1000',
      WORKER_CONCURRENCY: '2',
    };
    api = await startService({
      command: 'api',
      dataDir: join(dataDir, 'api'),
      env: { ...shared, QUEUE_URL: TEST_REDIS_URL },
    });
    worker = await startService({
      command: 'worker',
      dataDir: join(dataDir, 'worker'),
      env: { ...shared, QUEUE_URL: `redis://127.0.0.1:${redisProxy.port}` },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await redisProxy?.close();
    await deleteQueuePrefix(TEST_REDIS_URL, prefix);
    await database?.drop();
    if (dataDir) await removeDataDir(dataDir);
  });

  it('lists the worker with its last heartbeat in every process, and the worker is ready', async () => {
    const listed = await waitFor(
      'the worker in the API’s /readyz',
      async () => {
        const { status, body } = await readiness(api.url);
        expect(status).toBe(200);
        return body.heartbeats?.find((beat) => beat.pid === worker.child.pid);
      },
      { timeoutMs: 15_000 },
    );
    expect(listed).toMatchObject({ fresh: true, concurrency: 2, active: 0 });
    expect(listed.workerId).toContain(`:${worker.child.pid}:`);
    expect(Date.now() - Date.parse(listed.lastHeartbeat)).toBeLessThan(10_000);

    const own = await readiness(worker.url);
    expect(own.status).toBe(200);
    expect(own.body.checks.workers).toMatchObject({ ok: true, workerId: listed.workerId });
    for (const dependency of ['database', 'queue', 'storage'] as const) {
      expect(own.body.checks[dependency]).toMatchObject({ ok: true });
      expect(typeof own.body.checks[dependency]?.latencyMs).toBe('number');
    }
    // An API process runs no worker of its own.
    expect((await readiness(api.url)).body.checks.workers).toBeUndefined();
  });

  it('serves /metrics on both: uploads on the API, jobs and stages on the worker', async () => {
    const image = await uploadOk(api.url, await makeJpeg({ width: 800, height: 600 }));
    expect((await waitForFinal(api.url, image.id)).status).toBe('done');
    // The worker counts the job right after markDone, when it acknowledges the delivery.
    const workerScrape = await waitFor('the worker to count the job', async () => {
      const scrape = Scrape.parse(await (await fetch(`${worker.url}/metrics`)).text());
      return scrape.sum(METRICS.jobs, { outcome: 'done' }) === 1 && scrape;
    });
    const apiScrape = Scrape.parse(await (await fetch(`${api.url}/metrics`)).text());
    expect(apiScrape.samples(METRICS.info, { role: 'api' })[0]?.value).toBe(1);
    expect(workerScrape.samples(METRICS.info, { role: 'worker' })[0]?.value).toBe(1);
    expect(apiScrape.sum(METRICS.uploads, { outcome: 'accepted' })).toBe(1);
    expect(apiScrape.sum(METRICS.jobs)).toBe(0);
    expect(apiScrape.samples(METRICS.workerConcurrency)).toEqual([]);
    expect(workerScrape.sum(METRICS.jobs, { outcome: 'done' })).toBe(1);
    expect(workerScrape.sum(`${METRICS.stageDuration}_count`, { stage: 'decode' })).toBe(1);
    expect(workerScrape.samples(METRICS.workerConcurrency)[0]?.value).toBe(2);
    // Both see the shared queue's depth.
    expect(apiScrape.samples(METRICS.queueJobs, { state: 'waiting' })[0]?.value).toBe(0);
    expect(workerScrape.samples(METRICS.queueJobs, { state: 'waiting' }).length).toBe(1);
  });

  it('a worker that stops heart-beating fails its own readiness; the API lists it as stale and stays ready', async () => {
    await redisProxy.cut();
    const unready = await waitFor(
      'the worker’s /readyz to fail',
      async () => {
        const { status, body } = await readiness(worker.url);
        return status === 503 && body.checks.workers?.ok === false ? body : undefined;
      },
      { timeoutMs: 25_000 },
    );
    expect(unready.status).toBe('unready');
    const stale = await waitFor(
      'the API to list the worker as stale',
      async () => {
        const { status, body } = await readiness(api.url);
        expect(status).toBe(200);
        const beat = body.heartbeats?.find((b) => b.pid === worker.child.pid);
        return beat && !beat.fresh ? beat : undefined;
      },
      { timeoutMs: 25_000 },
    );
    expect(stale.ageMs).toBeGreaterThanOrEqual(10_000);
    expect((await readiness(api.url)).body.status).toBe('ready');

    await redisProxy.restore();
    await waitFor('the worker to be ready again', async () => (await readiness(worker.url)).status === 200, {
      timeoutMs: 25_000,
    });
    await waitFor(
      'the API to list the worker as fresh again',
      async () =>
        (await readiness(api.url)).body.heartbeats?.find((b) => b.pid === worker.child.pid)?.fresh ? true : undefined,
      { timeoutMs: 15_000 },
    );
  });

  it('forgets a worker that stops gracefully', async () => {
    const pid = worker.child.pid;
    expect(await worker.stop('SIGTERM')).toBe(0);
    const { body } = await readiness(api.url);
    expect(body.heartbeats?.filter((beat) => beat.pid === pid)).toEqual([]);
  });
});
