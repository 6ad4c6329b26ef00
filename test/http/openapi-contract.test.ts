/**
 * The API document against the real answers: a table of requests that reaches every documented operation and its
 * statuses on a live embedded server (keys on, signed URLs on, small limits), and for each answer: the status is
 * documented for the operation, the content type is one documented for the status, every required header is there,
 * and a JSON body validates against the documented schema. Every operation of the document must be exercised, so a
 * new route without a contract case fails here.
 */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedServer, workOffQueue } from '../support/embedded-runtime.js';
import { makeJpeg } from '../support/images.js';
import { waitFor } from '../support/wait.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  responses: Record<string, Json>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: Json;
}

const SIGNING_KEYS = `k1:${'s'.repeat(40)}`;
const MAX_UPLOAD_BYTES = 200_000;
/** Uploads per minute per key and address: the table stays below it until the case that crosses it. */
const UPLOADS_PER_MINUTE = 20;

let server: EmbeddedServer;
let document: OpenApiDocument;
let ajv: Ajv;
let uploader: string;
let reader: string;

beforeAll(async () => {
  server = await startEmbeddedServer({
    // No workers: images stay queued until the test works off the queue, so "not ready" is reachable.
    role: 'api',
    env: {
      SIGNING_KEYS,
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      UPLOAD_RATE_LIMIT_PER_MINUTE: String(UPLOADS_PER_MINUTE),
    },
    keys: [
      { tenant: 'contract', scopes: ['upload', 'read'] },
      { tenant: 'contract', scopes: ['read'] },
    ],
  });
  [uploader = '', reader = ''] = server.keys;
  document = (await (await fetch(`${server.url}/docs/json`)).json()) as OpenApiDocument;
  // OpenAPI 3.0 schemas: `nullable` is Ajv's own keyword; `example` and the document's other members are not checked.
  ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi.json', components: document.components });
});

afterAll(async () => {
  await server?.stop();
});

/** The component a `$ref` names, or the object itself. */
function resolve(object: Json): Json {
  const ref = object.$ref;
  if (typeof ref !== 'string') return object;
  const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
  const target = ((document.components[kind ?? ''] ?? {}) as Record<string, Json>)[name ?? ''];
  if (!target) throw new Error(`unresolved ${ref}`);
  return target;
}

function operationOf(operationId: string): { method: string; path: string; operation: Operation } {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (operation.operationId === operationId) return { method, path, operation };
    }
  }
  throw new Error(`no operation ${operationId} in the document`);
}

const exercised = new Set<string>();

/**
 * Checks one answer against the document's promise for `operationId`: method and path match the operation, the
 * status is documented, the content type, the required headers and the JSON body are as documented.
 */
async function expectDocumented(
  operationId: string,
  request: { method: string; url: string },
  response: Response,
): Promise<void> {
  const { method, path, operation } = operationOf(operationId);
  exercised.add(operationId);
  const label = `${operationId} ${response.status}`;
  expect(request.method.toLowerCase(), label).toBe(method);
  const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
  expect(new URL(request.url).pathname, label).toMatch(pattern);

  const documented = operation.responses[String(response.status)];
  expect(documented, `${label}: status not documented`).toBeDefined();
  const answer = resolve(documented ?? {});

  for (const [name, header] of Object.entries((answer.headers ?? {}) as Record<string, Json>)) {
    if (resolve(header).required === true)
      expect(response.headers.get(name), `${label}: header ${name}`).not.toBeNull();
  }

  const content = (answer.content ?? {}) as Record<string, { schema?: Json }>;
  const contentType = response.headers.get('content-type');
  if (Object.keys(content).length === 0) {
    expect(contentType, `${label}: no content documented`).toBeNull();
    return;
  }
  const mediaType = (contentType ?? '').split(';')[0]?.trim() ?? '';
  expect(Object.keys(content), `${label}: content type`).toContain(mediaType);
  if (request.method === 'HEAD' || !/json$/.test(mediaType)) return;
  const schema = content[mediaType]?.schema ?? {};
  const validate = ajv.compile({ $ref: `openapi.json${String(schema.$ref ?? '').replace(/^#/, '#')}` });
  const body = await response.json();
  expect(validate(body) ? [] : validate.errors, `${label}: body against ${String(schema.$ref)}`).toEqual([]);
}

/** A request through real HTTP, checked against the document; the response is returned for the case's own checks. */
async function call(
  operationId: string,
  path: string,
  init: RequestInit & { key?: string | undefined; base?: string } = {},
): Promise<Response> {
  const { key, base = server.url, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  const url = `${base}${path}`;
  const method = rest.method ?? 'GET';
  const response = await fetch(url, { ...rest, method, headers });
  await expectDocumented(operationId, { method, url }, response.clone());
  return response;
}

/** An event stream: its answer head is checked, then the stream is dropped. */
async function callStream(operationId: string, path: string, key: string | undefined): Promise<Response> {
  const abort = new AbortController();
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const url = `${server.url}${path}`;
  const response = await fetch(url, { headers, signal: abort.signal });
  try {
    await expectDocumented(operationId, { method: 'GET', url }, response);
  } finally {
    abort.abort();
  }
  return response;
}

const jpegForm = async (bytes?: Uint8Array) => {
  const form = new FormData();
  const file = bytes ?? (await makeJpeg({ width: 320, height: 240 }));
  form.append('file', new Blob([Buffer.from(file)], { type: 'image/jpeg' }), 'holiday.jpg');
  return form;
};

/** Bytes of their own each time: an upload of bytes already rendered is done at once (content reuse). */
let width = 200;

async function uploadJpeg(): Promise<{ id: string }> {
  width += 1;
  const body = await jpegForm(await makeJpeg({ width, height: 150 }));
  const response = await call('uploadImage', '/v1/images', { method: 'POST', body, key: uploader });
  expect(response.status).toBe(202);
  return (await response.json()) as { id: string };
}

describe('the OpenAPI document against the answers the server sends', () => {
  it('uploads (file and URL, with an Idempotency-Key), and refuses what it documents', async () => {
    const first = await call('uploadImage', '/v1/images', {
      method: 'POST',
      body: await jpegForm(),
      key: uploader,
      headers: { 'idempotency-key': 'contract-1' },
    });
    expect(first.status).toBe(202);
    const again = await call('uploadImage', '/v1/images', {
      method: 'POST',
      body: await jpegForm(),
      key: uploader,
      headers: { 'idempotency-key': 'contract-1' },
    });
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const byUrl = await call('uploadImage', '/v1/images', {
      method: 'POST',
      key: uploader,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://images.example.com/holiday.jpg' }),
    });
    expect(byUrl.status).toBe(202);

    // The same Idempotency-Key with other bytes: 422 (after the first use of the key is answered).
    await call('uploadImage', '/v1/images', {
      method: 'POST',
      key: uploader,
      body: await jpegForm(await makeJpeg({ width: 100, height: 100 })),
      headers: { 'idempotency-key': 'contract-2' },
    });
    const refusals: Array<[number, RequestInit & { key?: string }]> = [
      [400, { method: 'POST', key: uploader, headers: { 'content-type': 'application/json' }, body: '{"url": 7}' }],
      [400, { method: 'POST', key: uploader, body: await jpegForm(), headers: { 'idempotency-key': 'two words' } }],
      [401, { method: 'POST', body: await jpegForm() }],
      [401, { method: 'POST', body: await jpegForm(), key: 'ts_unknown0_notakeyatall' }],
      [403, { method: 'POST', body: await jpegForm(), key: reader }],
      [413, { method: 'POST', key: uploader, body: await jpegForm(new Uint8Array(MAX_UPLOAD_BYTES + 1000)) }],
      [415, { method: 'POST', key: uploader, body: await jpegForm(new TextEncoder().encode('not an image at all')) }],
      [422, { method: 'POST', key: uploader, body: await jpegForm(), headers: { 'idempotency-key': 'contract-2' } }],
    ];
    for (const [status, init] of refusals) {
      expect((await call('uploadImage', '/v1/images', init)).status, `upload → ${status}`).toBe(status);
    }
  });

  it('gets and lists images, with ?signed=true and ?wait=, and 400/401/403/404 where they happen', async () => {
    const { id } = await uploadJpeg();
    expect((await call('getImage', `/v1/images/${id}`, { key: reader })).status).toBe(200);
    expect((await call('getImage', `/v1/images/${id}?wait=0&signed=true`, { key: reader })).status).toBe(200);
    expect((await call('getImage', `/v1/images/${id}?wait=99`, { key: reader })).status).toBe(400);
    expect((await call('getImage', '/v1/images/img_nosuchimage', { key: reader })).status).toBe(404);
    expect((await call('getImage', `/v1/images/${'x'.repeat(65)}`, { key: reader })).status).toBe(400);
    expect((await call('getImage', `/v1/images/${'x'.repeat(200)}`, { key: reader })).status).toBe(414);
    expect((await call('getImage', `/v1/images/${id}`)).status).toBe(401);
    expect((await call('listImages', '/v1/images?limit=2', { key: reader })).status).toBe(200);
    expect((await call('listImages', '/v1/images?signed=true&status=queued', { key: reader })).status).toBe(200);
    expect((await call('listImages', '/v1/images?limit=0', { key: reader })).status).toBe(400);
    expect((await call('listImages', '/v1/images', { key: 'ts_unknown0_notakeyatall' })).status).toBe(401);
  });

  it('serves thumbnails by key and by signed URL (GET and HEAD, 200 and 304), and 404/409/403 as documented', async () => {
    const { id } = await uploadJpeg();
    expect((await call('getThumbnail', `/v1/images/${id}/thumbnails/small`, { key: reader })).status).toBe(409);
    await workOffQueue(server.runtime);
    const thumbnail = await call('getThumbnail', `/v1/images/${id}/thumbnails/small`, { key: reader });
    expect(thumbnail.status).toBe(200);
    const etag = thumbnail.headers.get('etag') ?? '';
    const head = await call('headThumbnail', `/v1/images/${id}/thumbnails/small`, { method: 'HEAD', key: reader });
    expect(head.status).toBe(200);
    const revalidated = await call('getThumbnail', `/v1/images/${id}/thumbnails/small`, {
      key: reader,
      headers: { 'if-none-match': etag },
    });
    expect(revalidated.status).toBe(304);
    expect((await call('getThumbnail', `/v1/images/${id}/thumbnails/huge`, { key: reader })).status).toBe(404);
    expect((await call('getThumbnail', `/v1/images/${id}/thumbnails/small`, { key: uploader })).status).toBe(200);

    const signed = (await (await call('getImage', `/v1/images/${id}?signed=true`, { key: reader })).json()) as {
      links: { thumbnails: Record<string, string> };
    };
    const signedPath = new URL(signed.links.thumbnails.small ?? '', server.url);
    const bySignature = await call('getThumbnail', `${signedPath.pathname}${signedPath.search}`);
    expect(bySignature.status).toBe(200);
    const forged = `${signedPath.pathname}${signedPath.search.replace(/sig=[^&]+/, 'sig=forged')}`;
    expect((await call('getThumbnail', forged)).status).toBe(403);
    expect((await call('headThumbnail', forged, { method: 'HEAD' })).status).toBe(403);
  });

  it('retries a failed image, refuses to retry others, and deletes', async () => {
    const { id } = await uploadJpeg();
    const { images } = server.runtime.stores;
    await images.markProcessing(id, 1, new Date());
    const failed = await images.markFailed(id, { code: 'TS_IMAGE_CORRUPT', message: 'failed by the test' }, new Date());
    expect(failed?.status).toBe('failed');
    expect((await call('retryImage', `/v1/images/${id}/retry`, { method: 'POST', key: reader })).status).toBe(403);
    expect((await call('retryImage', `/v1/images/${id}/retry`, { method: 'POST', key: uploader })).status).toBe(202);
    expect((await call('retryImage', `/v1/images/${id}/retry`, { method: 'POST', key: uploader })).status).toBe(409);
    expect(
      (await call('retryImage', '/v1/images/img_nosuchimage/retry', { method: 'POST', key: uploader })).status,
    ).toBe(404);
    expect((await call('deleteImage', `/v1/images/${id}`, { method: 'DELETE', key: reader })).status).toBe(403);
    expect((await call('deleteImage', `/v1/images/${id}`, { method: 'DELETE', key: uploader })).status).toBe(204);
    expect((await call('deleteImage', `/v1/images/${id}`, { method: 'DELETE', key: uploader })).status).toBe(404);
  });

  it('streams events (text/event-stream only on 200; problems before a stream starts)', async () => {
    const { id } = await uploadJpeg();
    expect((await callStream('streamImageEvents', `/v1/images/${id}/events`, reader)).status).toBe(200);
    expect((await callStream('streamImageEvents', '/v1/images/img_nosuchimage/events', reader)).status).toBe(404);
    expect((await callStream('streamImageEvents', `/v1/images/${id}/events`, undefined)).status).toBe(401);
    expect((await callStream('streamEvents', '/v1/events', reader)).status).toBe(200);
    expect((await callStream('streamEvents', '/v1/events', undefined)).status).toBe(401);
  });

  it('answers liveness, readiness and metrics without a key', async () => {
    expect((await call('getMetrics', '/metrics')).status).toBe(200);
    expect((await call('getLiveness', '/healthz')).status).toBe(200);
    expect((await call('getReadiness', '/readyz')).status).toBe(200);
  });

  it('answers 429 with Retry-After past the upload rate, as documented', async () => {
    let status = 0;
    // Bounded: the limit plus one is always enough to cross it.
    for (let attempt = 0; attempt <= UPLOADS_PER_MINUTE && status !== 429; attempt++) {
      const response = await call('uploadImage', '/v1/images', {
        method: 'POST',
        key: uploader,
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      status = response.status;
    }
    expect(status).toBe(429);
  });

  it('answers 503 with Retry-After while the render queue is at its bound, as documented', async () => {
    // A server of its own (no keys, no rate limit, no workers): its queue only grows.
    const bounded = await startEmbeddedServer({ role: 'api', env: { MAX_QUEUE_DEPTH: '1' } });
    try {
      const upload = () =>
        call('uploadImage', '/v1/images', {
          base: bounded.url,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ url: 'https://images.example.com/holiday.jpg' }),
        });
      expect((await upload()).status).toBe(202);
      // The depth is read at most once a second: the bound shows within a few.
      await waitFor('the queue bound', async () => (await upload()).status === 503, {
        timeoutMs: 10_000,
        intervalMs: 250,
      });
    } finally {
      await bounded.stop();
    }
  });

  it('exercised every operation of the document', () => {
    const documented = Object.values(document.paths).flatMap((item) => Object.values(item).map((o) => o.operationId));
    expect(documented.filter((id) => !exercised.has(id))).toEqual([]);
  });
});
