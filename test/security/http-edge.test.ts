import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/domain/api-keys.js';
import { type EmbeddedServer, startEmbeddedServer } from '../support/embedded-runtime.js';
import type { ImageJson } from '../support/http.js';
import { makeJpeg } from '../support/images.js';
import { waitFor } from '../support/wait.js';
import { head, openRaw, parseAnswer, type RawConnection, rawRequest } from './raw-http.js';

const ORIGIN = 'https://app.example.com';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MIN_BYTES_PER_SECOND = 2000;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A multipart body around `bytes` with its content type, as a browser would send it. */
async function multipart(bytes: Uint8Array): Promise<{ type: string; body: Buffer }> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'photo.jpg');
  const encoded = new Request('http://x/', { method: 'POST', body: form });
  return { type: encoded.headers.get('content-type') ?? '', body: Buffer.from(await encoded.arrayBuffer()) };
}

/** An incompressible PNG of side × side pixels (about 3 × side² bytes). */
function noisePng(side: number): Promise<Buffer> {
  const pixels = Buffer.from(Array.from({ length: side * side * 3 }, (_, i) => (i * 7919) % 251));
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** Polls (bounded) until the connection has received a whole header block. */
async function headersOf(connection: RawConnection, timeoutMs = 10_000) {
  await waitFor('a whole header block', () => connection.received().includes('\r\n\r\n'), { timeoutMs });
  return parseAnswer(connection.received());
}

async function tempFiles(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, 'tmp')).catch(() => []);
}

/** Polls (bounded) until no upload temp file is left. */
async function expectNoTempFiles(dataDir: string) {
  await waitFor(
    'no upload temp file left',
    async () => {
      const left = await tempFiles(dataDir);
      if (left.length > 0) throw new Error(`left: ${left.join(', ')}`);
      return true;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
}

/** The API role in this process on a free port, logging at `info`: the edge's answers need no process of their own. */
const serveApi = (env: Record<string, string>, keys: Array<{ tenant: string; scopes: Scope[] }> = []) =>
  startEmbeddedServer({ role: 'api', env: { LOG_LEVEL: 'info', ...env }, keys });

describe('the HTTP edge under attack (in process, on a real socket, API keys on)', () => {
  let dataDir: string;
  let service: EmbeddedServer;
  let key: string;

  beforeAll(async () => {
    service = await serveApi(
      {
        CORS_ORIGINS: ORIGIN,
        MAX_UPLOAD_BYTES: '1000000',
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        UPLOAD_MIN_BYTES_PER_SECOND: String(MIN_BYTES_PER_SECOND),
        UPLOAD_RATE_WINDOW_MS: '1000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '500',
      },
      [{ tenant: 'acme', scopes: ['upload', 'read'] }],
    );
    dataDir = service.dataDir;
    key = service.keys[0] ?? '';
  }, 60_000);

  afterAll(() => service?.stop());

  it('a slow but steady upload goes through', async () => {
    const { type, body } = await multipart(await noisePng(150));
    // Long enough to span several rate windows at the pace below.
    expect(body.length).toBeGreaterThan(MIN_BYTES_PER_SECOND * 10 * 2);
    const connection = await openRaw(service.url);
    connection.socket.write(
      head('POST', '/v1/images', { ...bearer(key), 'content-type': type, 'content-length': String(body.length) }),
    );
    // Ten times the minimum pace, in small pieces with pauses, never a whole window without bytes.
    const piece = Math.ceil((MIN_BYTES_PER_SECOND * 10) / 4);
    for (let offset = 0; offset < body.length; offset += piece) {
      connection.socket.write(body.subarray(offset, offset + piece));
      await sleep(250);
    }
    const answer = parseAnswer(await connection.closed(20_000));
    expect(answer.status).toBe(202);
  }, 60_000);

  it('Expect: 100-continue gets its 100 only after every check: a refused upload never sends its body', async () => {
    const { type, body } = await multipart(await makeJpeg({ width: 32, height: 32 }));
    const expecting = (headers: Record<string, string>) =>
      head('POST', '/v1/images', { expect: '100-continue', 'content-type': type, ...headers });
    for (const [headers, status, code] of [
      [{ 'content-length': String(body.length) }, 401, 'TS_UNAUTHORIZED'],
      [{ ...bearer(key), 'content-length': String(200 * 1024 * 1024) }, 413, 'TS_UPLOAD_TOO_LARGE'],
    ] as const) {
      const answer = await rawRequest(service.url, expecting(headers));
      expect(answer.status).toBe(status);
      expect(answer.code).toBe(code);
    }
    const accepted = await openRaw(service.url);
    accepted.socket.write(expecting({ ...bearer(key), 'content-length': String(body.length) }));
    expect((await headersOf(accepted)).status).toBe(100);
    accepted.socket.write(body);
    const final = parseAnswer((await accepted.closed(20_000)).replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
    expect(final.status).toBe(202);
  });

  it('a body trickling one byte at a time is cut with 408 TS_REQUEST_TIMEOUT, leaving no temp file', async () => {
    const { type, body } = await multipart(Buffer.alloc(50_000, 7));
    const connection = await openRaw(service.url);
    connection.socket.write(
      head('POST', '/v1/images', { ...bearer(key), 'content-type': type, 'content-length': String(body.length) }),
    );
    // The file part starts, so the upload is being spooled when the trickle begins.
    connection.socket.write(body.subarray(0, 400));
    const closed = connection.closed(20_000);
    let sent = 400;
    let open = true;
    void closed.then(() => {
      open = false;
    });
    // Bounded: at most 60 bytes over ~30 s; the cut comes after one or two windows.
    for (let i = 0; i < 60 && open; i++) {
      connection.socket.write(body.subarray(sent, sent + 1));
      sent += 1;
      await sleep(500);
    }
    const answer = parseAnswer(await closed);
    expect(answer.status).toBe(408);
    expect(answer.code).toBe('TS_REQUEST_TIMEOUT');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    await expectNoTempFiles(dataDir);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    // A client's fault: nothing logged as a server error.
    expect(service.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  }, 60_000);

  it('headers that never finish are cut with 408; an idle connection is closed', async () => {
    const partial = await openRaw(service.url);
    partial.socket.write('GET /v1/images HTTP/1.1\r\nHost: localhost\r\n');
    const answer = parseAnswer(await partial.closed(10_000));
    expect(answer.status).toBe(408);
    expect(answer.code).toBe('TS_REQUEST_TIMEOUT');
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    const silent = await openRaw(service.url);
    await silent.closed(10_000);
    // After an answer, an idle keep-alive connection is closed too.
    const idle = await openRaw(service.url);
    idle.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(parseAnswer(await idle.closed(10_000)).status).toBe(200);
  }, 30_000);

  it('requests the HTTP parser or the router refuses get problem+json with a code and nosniff: 400, 414, 431', async () => {
    const garbage = await rawRequest(service.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(garbage.code).toBe('TS_VALIDATION');
    expect(garbage.headers['x-content-type-options']).toBe('nosniff');
    const bigHeader = await rawRequest(service.url, head('GET', '/v1/images', { 'x-pad': 'a'.repeat(20_000) }));
    expect(bigHeader.status).toBe(431);
    expect(bigHeader.code).toBe('TS_HEADERS_TOO_LARGE');
    expect(bigHeader.headers['x-content-type-options']).toBe('nosniff');
    const longUrl = await rawRequest(service.url, head('GET', `/v1/images?x=${'a'.repeat(20_000)}`));
    expect([414, 431]).toContain(longUrl.status);
    expect(longUrl.code).toBe('TS_HEADERS_TOO_LARGE');
    const badChunk = await rawRequest(
      service.url,
      `${head('POST', '/v1/images', { ...bearer(key), 'content-type': 'multipart/form-data; boundary=x', 'transfer-encoding': 'chunked' })}zz\r\nnot a chunk\r\n`,
    );
    expect(badChunk.status).toBe(400);
    expect(badChunk.code).toBe('TS_VALIDATION');
    const badEncoding = await rawRequest(service.url, head('GET', '/v1/images/%'));
    expect(badEncoding.status).toBe(400);
    expect(badEncoding.code).toBe('TS_VALIDATION');
    expect(badEncoding.headers['x-content-type-options']).toBe('nosniff');
    const longParameter = await rawRequest(service.url, head('GET', `/v1/images/${'a'.repeat(150)}`));
    expect(longParameter.status).toBe(414);
    expect(longParameter.code).toBe('TS_URI_TOO_LONG');
    expect(longParameter.headers['x-content-type-options']).toBe('nosniff');
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it('X-Request-Id is echoed only when short and plain; anything else is replaced everywhere', async () => {
    const plain = await fetch(`${service.url}/v1/images`, { headers: { 'x-request-id': 'trace-1.2:3_x' } });
    expect(plain.headers.get('x-request-id')).toBe('trace-1.2:3_x');
    for (const hostile of ['<script>alert(1)</script>', 'a'.repeat(15_000), 'x y', '']) {
      const response = await fetch(`${service.url}/v1/images`, { headers: { 'x-request-id': hostile } });
      expect(response.status).toBe(401);
      const id = response.headers.get('x-request-id') ?? '';
      expect(id).toMatch(UUID);
      expect(((await response.json()) as { requestId: string }).requestId).toBe(id);
    }
    expect(JSON.stringify(service.logs)).not.toContain('<script>');
    expect(JSON.stringify(service.logs)).not.toContain('a'.repeat(200));
  });

  it('/docs carries a strict Content-Security-Policy that forbids framing', async () => {
    for (const path of ['/docs', '/docs/static/index.html', '/docs/json']) {
      const response = await fetch(`${service.url}${path}`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('event streams keep the reply headers: CORS, request id, nosniff', async () => {
    const form = await multipart(await makeJpeg({ width: 16, height: 16 }));
    const uploaded = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': form.type },
      body: form.body,
    });
    const status = uploaded.status;
    // The queue bound (1) may already be reached by the slow upload: any image of the tenant will do.
    const list = (await (await fetch(`${service.url}/v1/images`, { headers: bearer(key) })).json()) as {
      items: ImageJson[];
    };
    expect([202, 503]).toContain(status);
    const id = list.items[0]?.id;
    expect(id).toBeDefined();
    for (const path of ['/v1/events', `/v1/images/${id}/events`]) {
      const connection = await openRaw(service.url);
      connection.socket.write(head('GET', path, { ...bearer(key), origin: ORIGIN, 'x-request-id': 'sse-1' }));
      const answer = await headersOf(connection);
      connection.socket.destroy();
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toContain('text/event-stream');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(answer.headers['x-request-id']).toBe('sse-1');
    }
  });

  it('an upload refused before its body is read (no key) still lets the client read the answer', async () => {
    const anonymous = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: Buffer.alloc(800_000, 1),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { code: string }).code).toBe('TS_UNAUTHORIZED');
    await expectNoTempFiles(dataDir);
  });
});

describe('an upload refused while the queue is full (in process, no workers)', () => {
  let service: EmbeddedServer;

  beforeAll(async () => {
    service = await serveApi({ MAX_QUEUE_DEPTH: '1', MAX_UPLOAD_BYTES: '1000000' });
  }, 60_000);

  afterAll(() => service?.stop());

  it('gets a readable 503 while its large body is still being sent', async () => {
    const big = Buffer.alloc(800_000, 1);
    const small = await multipart(await makeJpeg({ width: 16, height: 16 }));
    const send = (type: string, body: Buffer) =>
      fetch(`${service.url}/v1/images`, { method: 'POST', headers: { 'content-type': type }, body });
    // One waiting image fills the queue (bound 1, no workers); its depth is read at most once a second.
    expect((await send(small.type, small.body)).status).toBe(202);
    const full = await waitFor(
      'the queue bound to answer 503',
      async () => {
        const answer = await send('multipart/form-data; boundary=x', big);
        return answer.status === 503 && answer;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(full.headers.get('retry-after')).toBe('5');
    expect(((await full.json()) as { code: string }).code).toBe('TS_QUEUE_FULL');
    await expectNoTempFiles(service.dataDir);
  });
});

describe('rate limits count refused requests too (in process, on a real socket, API keys on)', () => {
  let service: EmbeddedServer;
  let readKey: string;

  beforeAll(async () => {
    service = await serveApi({ RATE_LIMIT_PER_MINUTE: '20' }, [{ tenant: 'acme', scopes: ['read'] }]);
    readKey = service.keys[0] ?? '';
  }, 60_000);

  afterAll(() => service?.stop());

  it('a flood of bad keys gets 429 with Retry-After, and so do odd spellings and unknown routes', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const response = await fetch(`${service.url}/v1/images`, { headers: bearer(`ts_bad${i}`) });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    if (!limited) throw new Error(`no 429 in ${statuses.join(',')}`);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { code: string }).code).toBe('TS_RATE_LIMITED');
    // Each spelling floods from an address of its own (another loopback address), so each is shown to count.
    const targets = ['/%761/images', '/v1/nothing-here', '/V1/images', `http://localhost/%761/images`];
    for (const [index, target] of targets.entries()) {
      const seen: number[] = [];
      for (let i = 0; i < 40 && !seen.includes(429); i++) {
        const answer = await rawRequest(service.url, head('GET', target), { localAddress: `127.0.0.${10 + index}` });
        seen.push(answer.status);
      }
      expect({
        target,
        limited: seen.includes(429),
        refusedBefore: seen.slice(0, 20).every((s) => s === 401 || s === 404),
      }).toEqual({
        target,
        limited: true,
        refusedBefore: true,
      });
    }
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it('a key refused for its scope (403) is counted too, whatever address it comes from', async () => {
    const statuses: number[] = [];
    // Five other loopback addresses, so no address reaches its own limit (20) before the key does.
    for (let i = 0; i < 30; i++) {
      const answer = await rawRequest(
        service.url,
        head('DELETE', '/v1/images/img_00000000000000000000000000', bearer(readKey)),
        {
          localAddress: `127.0.0.${2 + (i % 5)}`,
        },
      );
      statuses.push(answer.status);
      if (answer.status === 429) break;
    }
    expect(statuses.slice(0, 20).every((s) => s === 403)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
