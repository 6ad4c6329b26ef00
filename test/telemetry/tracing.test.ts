import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR } from '../../src/telemetry/names.js';
import {
  createMemorySpanExporter,
  installTracing,
  type ReadableSpan,
  type TracingHandle,
} from '../../src/telemetry/tracing.js';
import { uploadOk, waitForFinal } from '../support/http.js';
import { makeJpeg } from '../support/images.js';
import { deleteQueuePrefix, uniqueQueuePrefix } from '../support/queue-fixtures.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { type InProcessService, makeDataDir, removeDataDir, startInProcess } from './in-process.js';

const PRESETS = ['small', 'medium', 'large'];
const exporter = createMemorySpanExporter();
let tracing: TracingHandle;

beforeAll(async () => {
  tracing = await installTracing({
    enabled: true,
    exporters: [],
    serviceName: 'thumbsmith-test',
    spanExporters: [exporter],
    processor: 'simple',
  });
});
afterAll(async () => {
  await tracing.shutdown();
});

const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

interface Mode {
  name: string;
  enabled: boolean;
  env: () => Record<string, string>;
  cleanup: () => Promise<void>;
}

const prefix = uniqueQueuePrefix();
const MODES: Mode[] = [
  { name: 'sqlite queue', enabled: true, env: () => ({}), cleanup: async () => {} },
  {
    name: 'bullmq queue',
    enabled: adapterEnabled('bullmq'),
    env: () => ({ QUEUE_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix }),
    cleanup: () => deleteQueuePrefix(TEST_REDIS_URL, prefix),
  },
];

for (const mode of MODES) {
  describe.skipIf(!mode.enabled)(`one trace per upload, across the queue (${mode.name})`, () => {
    let dataDir: string;
    let api: InProcessService;
    let worker: InProcessService;

    beforeAll(async () => {
      dataDir = await makeDataDir();
      const env = { DATA_DIR: dataDir, ...mode.env() };
      // Two roles, as in scale-out: the API enqueues, a separate worker runtime (its own queue client) renders.
      api = await startInProcess('api', env);
      worker = await startInProcess('worker', env);
    });
    afterAll(async () => {
      await api?.stop();
      await worker?.stop();
      await mode.cleanup();
      if (dataDir) await removeDataDir(dataDir);
    });

    it('continues the upload request’s trace in the worker, through every stage to the last stored preset', async () => {
      exporter.reset();
      const source = await makeJpeg({ width: 1200, height: 900 });
      const response = await fetch(`${api.url}/v1/images`, {
        method: 'POST',
        body: (() => {
          const form = new FormData();
          form.append('file', new Blob([source]), 'photo.jpg');
          return form;
        })(),
      });
      expect(response.status).toBe(202);
      const requestId = response.headers.get('x-request-id');
      const { id } = (await response.json()) as { id: string };
      expect((await waitForFinal(api.url, id)).status).toBe('done');

      // The consumer span ends right after the handler resolves (after markDone): wait for it.
      const job = await waitFor(
        'the job span',
        async () =>
          exporter.getFinishedSpans().find((s) => s.name === 'job.render' && s.attributes[ATTR.imageId] === id),
        { timeoutMs: 10_000 },
      );
      const spans = exporter.getFinishedSpans();
      const server = spans.find((s) => s.name === 'POST /v1/images' && s.attributes[ATTR.requestId] === requestId);
      expect(server, 'the upload request span').toBeDefined();
      const traceId = traceOf(server!);
      const inTrace = spans.filter((s) => traceOf(s) === traceId);

      // The request span: a root, with what is known about the image.
      expect(server!.parentSpanContext).toBeUndefined();
      expect(server!.attributes).toMatchObject({
        [ATTR.imageId]: id,
        [ATTR.imageFormat]: 'jpeg',
        [ATTR.imageMegapixels]: 1.08,
        [ATTR.httpStatus]: 202,
        [ATTR.httpRoute]: '/v1/images',
      });

      // The job runs under the producer span whose context the queue carried, in the same trace.
      const enqueue = inTrace.find((s) => s.name === 'queue.enqueue render');
      expect(enqueue, 'the enqueue span').toBeDefined();
      expect(enqueue!.parentSpanContext?.spanId).toBe(idOf(server!));
      expect(traceOf(job)).toBe(traceId);
      expect(job.parentSpanContext?.spanId).toBe(idOf(enqueue!));
      expect(job.attributes).toMatchObject({
        [ATTR.imageId]: id,
        [ATTR.jobAttempt]: 1,
        [ATTR.imageFormat]: 'jpeg',
        [ATTR.imageMegapixels]: 1.08,
      });

      // Database, queue and storage calls of the upload are children of the request span.
      const underRequest = inTrace.filter((s) => s.parentSpanContext?.spanId === idOf(server!)).map((s) => s.name);
      expect(underRequest).toEqual(
        expect.arrayContaining(['blobs.put', 'metadata.createImage', 'queue.enqueue render']),
      );

      // Every stage of the job, per preset where it applies, under the job span; the stored thumbnails' puts nest
      // under their store stage.
      const underJob = inTrace.filter((s) => s.parentSpanContext?.spanId === idOf(job));
      const names = underJob.map((s) => s.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'metadata.markProcessing',
          'stage.inspect',
          'stage.decode',
          ...PRESETS.map((preset) => `stage.encode ${preset}`),
          'metadata.markDone',
        ]),
      );
      const stores = underJob.filter((s) => s.attributes[ATTR.stage] === 'store');
      expect(stores.map((s) => s.name).sort()).toEqual(PRESETS.map((preset) => `stage.store ${preset}`).sort());
      expect(stores.map((s) => s.attributes[ATTR.preset]).sort()).toEqual([...PRESETS].sort());
      for (const store of stores) {
        const put = inTrace.find((s) => s.name === 'blobs.put' && s.parentSpanContext?.spanId === idOf(store));
        expect(put?.attributes[ATTR.blobKey]).toMatch(new RegExp(`${store.attributes[ATTR.preset]}`));
      }
      const queueWait = inTrace.find((s) => s.name === 'stage.queue_wait');
      expect(queueWait?.parentSpanContext?.spanId).toBe(idOf(enqueue!));

      // One trace id from the request to the last stored preset: nothing of this image's work is elsewhere.
      const lastStore = stores.reduce((a, b) => (hrMs(a.endTime) > hrMs(b.endTime) ? a : b));
      expect(traceOf(lastStore)).toBe(traceId);
      // (Status polls are requests of their own, with traces of their own.)
      const workerSide = /^(job\.|stage\.|queue\.|metadata\.mark|blobs\.put)/;
      const strays = spans.filter((s) => traceOf(s) !== traceId && workerSide.test(s.name));
      expect(strays.map((s) => s.name)).toEqual([]);
      expect(inTrace.every((s) => s.resource.attributes['service.name'] === 'thumbsmith-test')).toBe(true);

      // The worker's log lines carry the same trace id and the job's ids.
      const done = worker.logs.find((line) => line.msg === 'image done' && line.imageId === id);
      expect(done).toMatchObject({ trace_id: traceId, jobId: job.attributes[ATTR.jobId], attempt: 1 });
    });

    it('marks a failed job’s span with the error code, in the upload’s trace', async () => {
      exporter.reset();
      // Valid header, garbage after it: accepted by the probe, fails to decode in the worker (permanent).
      const good = await makeJpeg({ width: 400, height: 300 });
      const broken = Buffer.concat([good.subarray(0, 600), Buffer.alloc(good.length - 600, 0x41)]);
      const accepted = await uploadOk(api.url, broken, 'broken.jpg');
      const final = await waitForFinal(api.url, accepted.id);
      const job = await waitFor(
        'the job span',
        async () =>
          exporter
            .getFinishedSpans()
            .find((s) => s.name === 'job.render' && s.attributes[ATTR.imageId] === accepted.id),
        { timeoutMs: 10_000 },
      );
      const server = exporter
        .getFinishedSpans()
        .find((s) => s.name === 'POST /v1/images' && s.attributes[ATTR.imageId] === accepted.id);
      expect(traceOf(job)).toBe(traceOf(server!));
      expect(final).toMatchObject({ status: 'failed', error: { code: 'TS_IMAGE_CORRUPT' } });
      // The stage that failed and the job carry the code; the job span is an error although the delivery was acked.
      const decode = exporter.getFinishedSpans().find((s) => traceOf(s) === traceOf(job) && s.name === 'stage.decode');
      expect(decode?.status.code).toBe(2);
      expect(decode?.attributes[ATTR.errorCode]).toBe('TS_IMAGE_CORRUPT');
      expect(job.status.code).toBe(2);
      expect(job.attributes[ATTR.errorCode]).toBe('TS_IMAGE_CORRUPT');
    });
  });
}

function hrMs(time: readonly [number, number]): number {
  return time[0] * 1000 + time[1] / 1e6;
}
