import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/telemetry/names.js';
import { upload, uploadOk, waitForFinal } from '../support/http.js';
import { makeJpeg, makePng } from '../support/images.js';
import { Scrape } from '../support/prometheus-text.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

const PRESETS = ['small', 'medium', 'large'];
let service: ServiceProcess;
let scrape: Scrape;
let metricsResponse: Response;
const uploads: Array<{ id: string; bytes: number; requestId: string | null }> = [];
let rejectedRequestId: string | null = null;

beforeAll(async () => {
  service = await startService({ env: { WORKER_CONCURRENCY: '2' } });
  const files = [
    await makeJpeg({ width: 1600, height: 1200 }),
    await makePng({ width: 640, height: 480 }),
    await makeJpeg({ width: 300, height: 200 }),
  ];
  for (const [index, bytes] of files.entries()) {
    const response = await upload(service.url, bytes, { filename: `image-${index}` });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string };
    uploads.push({ id: body.id, bytes: bytes.length, requestId: response.headers.get('x-request-id') });
  }
  const rejected = await upload(service.url, Buffer.from('this is not an image, just text\n'.repeat(20)));
  expect(rejected.status).toBe(415);
  rejectedRequestId = rejected.headers.get('x-request-id');
  for (const { id } of uploads) expect((await waitForFinal(service.url, id)).status).toBe('done');
  // The delivery is acknowledged (and counted) right after markDone: scrape until every job is counted and acked.
  await waitFor('every job counted and acknowledged', async () => {
    metricsResponse = await fetch(`${service.url}/metrics`);
    scrape = Scrape.parse(await metricsResponse.text());
    const active = scrape.samples(METRICS.queueJobs, { state: 'active' })[0]?.value;
    return scrape.sum(METRICS.jobs, { outcome: 'done' }) === uploads.length && active === 0;
  });
});
afterAll(async () => {
  await service?.stop();
  if (service) await removeDataDir(service.dataDir);
});

describe('GET /metrics after real uploads (embedded process)', () => {
  it('answers in the Prometheus text format: ours with the thumbsmith_ prefix, the runtime under its standard names', () => {
    expect(metricsResponse.status).toBe(200);
    expect(metricsResponse.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const names = [...scrape.families.keys()];
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((name) => !/^(thumbsmith|process|nodejs)_/.test(name))).toEqual([]);
    expect(names.filter((name) => /^thumbsmith_(process|nodejs)_/.test(name))).toEqual([]);
    expect(scrape.samples(METRICS.info, { role: 'all' })[0]?.value).toBe(1);
    // The names stock Node.js dashboards and alerts query.
    for (const [name, type] of [
      ['process_cpu_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['process_start_time_seconds', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
      ['nodejs_active_handles', 'gauge'],
    ]) {
      expect({ name, type: scrape.family(name ?? '').type }).toEqual({ name, type });
    }
  });

  it('keeps the _total suffix for counters: no gauge (or other type) ends in _total', () => {
    const misnamed = [...scrape.families.entries()]
      .filter(([name, family]) => name.endsWith('_total') && family.type !== 'counter')
      .map(([name, family]) => `${name} (${family.type})`);
    expect(misnamed).toEqual([]);
    expect([...scrape.families.keys()].filter((name) => name.endsWith('_total')).length).toBeGreaterThan(3);
  });

  it('counts uploads by outcome and code, and the accepted sizes', () => {
    expect(scrape.sum(METRICS.uploads, { outcome: 'accepted' })).toBe(3);
    expect(scrape.samples(METRICS.uploads, { outcome: 'rejected' })).toEqual([
      { name: METRICS.uploads, labels: { outcome: 'rejected', code: 'TS_UNSUPPORTED_MEDIA' }, value: 1 },
    ]);
    expect(scrape.sum(METRICS.uploads, { outcome: 'failed' })).toBe(0);
    expect(scrape.sum(`${METRICS.uploadSize}_count`)).toBe(3);
    expect(scrape.sum(`${METRICS.uploadSize}_sum`)).toBe(uploads.reduce((total, u) => total + u.bytes, 0));
    // The le="+Inf" bucket holds every observation; a 1 MiB bucket holds all three small test files.
    expect(scrape.sum(`${METRICS.uploadSize}_bucket`, { le: '+Inf' })).toBe(3);
    expect(scrape.sum(`${METRICS.uploadSize}_bucket`, { le: '1048576' })).toBe(3);
  });

  it('counts job outcomes and times every stage: once per job, encode and store once per preset', () => {
    expect(scrape.samples(METRICS.jobs)).toEqual([{ name: METRICS.jobs, labels: { outcome: 'done' }, value: 1 * 3 }]);
    const count = (labels: Record<string, string>) => scrape.sum(`${METRICS.stageDuration}_count`, labels);
    for (const stage of ['queue_wait', 'inspect', 'decode']) expect(count({ stage }), stage).toBe(3);
    for (const preset of PRESETS) {
      expect(count({ stage: 'encode', preset }), `encode ${preset}`).toBe(3);
      expect(count({ stage: 'store', preset }), `store ${preset}`).toBe(3);
    }
    // A local blob store needs no copy of the original: no load stage.
    expect(count({ stage: 'load' })).toBe(0);
    expect(scrape.sum(`${METRICS.stageDuration}_sum`, { stage: 'decode' })).toBeGreaterThan(0);
    expect(scrape.sum(`${METRICS.uploadToDone}_count`)).toBe(3);
    expect(scrape.sum(`${METRICS.uploadToDone}_sum`)).toBeGreaterThan(0);
  });

  it('labels HTTP requests by route pattern and status, never by raw URL', () => {
    expect(scrape.sum(METRICS.httpRequests, { method: 'POST', route: '/v1/images', status: '202' })).toBe(3);
    expect(scrape.sum(METRICS.httpRequests, { method: 'POST', route: '/v1/images', status: '415' })).toBe(1);
    expect(scrape.sum(METRICS.httpRequests, { method: 'GET', route: '/v1/images/:id' })).toBeGreaterThanOrEqual(3);
    expect(scrape.sum(`${METRICS.httpRequestDuration}_count`, { route: '/v1/images', status: '202' })).toBe(3);
    const values = [...scrape.families.values()].flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)));
    expect(values.filter((value) => value.includes('img_'))).toEqual([]);
  });

  it('times database, queue and storage calls by operation', () => {
    const calls = (dependency: string, operation: string) =>
      scrape.sum(`${METRICS.dependencyDuration}_count`, { dependency, operation, outcome: 'ok' });
    expect(calls('database', 'createImage')).toBe(3);
    expect(calls('database', 'markDone')).toBe(3);
    expect(calls('queue', 'enqueue')).toBe(3);
    // Three originals and three thumbnails of each.
    expect(calls('storage', 'put')).toBe(3 + 3 * PRESETS.length);
  });

  it('reports queue depth, worker concurrency and default process metrics at scrape time', () => {
    for (const state of ['waiting', 'active', 'delayed', 'dead']) {
      expect(scrape.samples(METRICS.queueJobs, { state }).map((s) => s.value)).toEqual([0]);
    }
    expect(scrape.samples(METRICS.queueOldestWaitingAge)[0]?.value).toBe(0);
    expect(scrape.samples(METRICS.workerConcurrency)[0]?.value).toBe(2);
    expect(scrape.samples(METRICS.workerActiveJobs)[0]?.value).toBe(0);
    const heartbeat = scrape.samples(METRICS.workerLastHeartbeat)[0]?.value ?? 0;
    expect(Math.abs(Date.now() / 1000 - heartbeat)).toBeLessThan(30);
    expect(scrape.family('process_cpu_user_seconds_total').type).toBe('counter');
    expect(scrape.family('nodejs_eventloop_lag_seconds').type).toBe('gauge');
    expect(scrape.family(METRICS.stageDuration).type).toBe('histogram');
  });
});

describe('JSON log lines carry the ids', () => {
  it('ties the upload request’s line to the worker’s lines by image id and trace id, with tracing export off', () => {
    for (const { id, requestId } of uploads) {
      const accepted = service.logs.find((line) => line.msg === 'upload accepted' && line.imageId === id);
      expect(accepted).toMatchObject({ reqId: requestId, imageId: id });
      expect(accepted?.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(accepted?.span_id).toMatch(/^[0-9a-f]{16}$/);
      const done = service.logs.find((line) => line.msg === 'image done' && line.imageId === id);
      expect(done).toMatchObject({ imageId: id, jobId: `render:${id}`, attempt: 1, trace_id: accepted?.trace_id });
      expect(done?.span_id).not.toBe(accepted?.span_id);
    }
    // Fastify's own lines carry the request id once (bound by Fastify, not repeated by the mixin).
    const rejected = service.logs.find((line) => line.msg === 'request rejected' && line.reqId === rejectedRequestId);
    expect(rejected).toMatchObject({ code: 'TS_UNSUPPORTED_MEDIA' });
    expect(rejected?.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never writes an image id-less job line or an unparsable line', () => {
    const jobLines = service.logs.filter((line) => typeof line.jobId === 'string');
    expect(jobLines.length).toBeGreaterThanOrEqual(3);
    for (const line of jobLines) expect(line.imageId).toMatch(/^img_/);
  });
});

describe('uploads that fail on our side are counted apart from rejections', () => {
  it('is exercised by the upload route only: other routes do not count as uploads', async () => {
    const before = scrape.sum(METRICS.uploads);
    await uploadOk(service.url, await makeJpeg({ width: 64, height: 48 }));
    await fetch(`${service.url}/v1/images/img_00000000000000000000000000`);
    const after = Scrape.parse(await (await fetch(`${service.url}/metrics`)).text());
    expect(after.sum(METRICS.uploads) - before).toBe(1);
    expect(after.sum(METRICS.httpRequests, { route: '/v1/images/:id', status: '404' })).toBeGreaterThanOrEqual(1);
  });
});
