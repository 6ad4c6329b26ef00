import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR } from '../../src/telemetry/names.js';
import { uploadOk, waitForFinal } from '../support/http.js';
import { makeJpeg } from '../support/images.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

/** One span as OTLP/HTTP JSON carries it, with the pid of the process that sent it. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  pid: number;
  service: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: Array<{
      spans: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes: OtlpAttribute[];
      }>;
    }>;
  }>;
}

const otlpValue = (value: OtlpValue): unknown =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? value.boolValue));
const attributesOf = (list: OtlpAttribute[]) => Object.fromEntries(list.map((a) => [a.key, otlpValue(a.value)]));

/** A minimal OTLP/HTTP JSON trace receiver on loopback: what a collector would get. */
async function startReceiver(): Promise<{
  url: string;
  spans: ReceivedSpan[];
  requests: string[];
  close(): Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const resourceSpans of body.resourceSpans) {
        const resource = attributesOf(resourceSpans.resource.attributes);
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              attributes: attributesOf(span.attributes),
              pid: Number(resource['process.pid']),
              service: String(resource['service.name']),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('tracing turned on by the standard OTEL_* variables, exported over OTLP/HTTP by separate processes', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dataDir: string;
  let api: ServiceProcess;
  let worker: ServiceProcess;

  beforeAll(async () => {
    receiver = await startReceiver();
    dataDir = await mkdtemp(join(tmpdir(), 'thumbsmith-otlp-'));
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'thumbsmith-otlp-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    // One embedded data directory, two processes: the API enqueues into the SQLite queue, the worker claims from it.
    api = await startService({ command: 'api', dataDir, env });
    worker = await startService({ command: 'worker', dataDir, env });
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await receiver?.close();
    if (dataDir) await removeDataDir(dataDir);
  });

  it('receives one trace per upload from both processes, the worker’s job a child of the API’s enqueue', async () => {
    const image = await uploadOk(api.url, await makeJpeg({ width: 1024, height: 768 }));
    expect((await waitForFinal(api.url, image.id)).status).toBe('done');
    const job = await waitFor(
      'the worker’s job span at the receiver',
      async () => receiver.spans.find((s) => s.name === 'job.render' && s.attributes[ATTR.imageId] === image.id),
      { timeoutMs: 15_000 },
    );
    const request = await waitFor(
      'the API’s request span at the receiver',
      async () => receiver.spans.find((s) => s.name === 'POST /v1/images' && s.attributes[ATTR.imageId] === image.id),
      { timeoutMs: 15_000 },
    );
    expect(request.pid).toBe(api.child.pid);
    expect(job.pid).toBe(worker.child.pid);
    expect(job.service).toBe('thumbsmith-otlp-test');
    expect(job.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(job.traceId).toBe(request.traceId);
    const enqueue = receiver.spans.find((s) => s.name === 'queue.enqueue render' && s.traceId === request.traceId);
    expect(enqueue?.pid).toBe(api.child.pid);
    expect(job.parentSpanId).toBe(enqueue?.spanId);
    const stores = await waitFor(
      'the three store stages',
      async () => {
        const found = receiver.spans.filter((s) => s.name.startsWith('stage.store ') && s.traceId === request.traceId);
        return found.length === 3 ? found : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(stores.every((s) => s.pid === worker.child.pid && s.parentSpanId === job.spanId)).toBe(true);
    expect(receiver.requests.every((r) => r.startsWith('POST /v1/traces application/json'))).toBe(true);
  });
});
