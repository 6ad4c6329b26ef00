// Over 400 lines on purpose: every refusal and fetch path of uploads by URL against one service and one loopback origin
// server.

import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackServer, startLoopbackServer } from '../fetcher/loopback-server.js';
import type { ImageJson } from '../support/http.js';
import { makeJpeg, makePng } from '../support/images.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

interface Problem {
  code: string;
  detail: string;
}

async function postUrl(
  service: ServiceProcess,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ImageJson & Problem; headers: Headers }> {
  const response = await fetch(`${service.url}/v1/images`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ImageJson & Problem, headers: response.headers };
}

async function finalState(service: ServiceProcess, id: string): Promise<ImageJson> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const image = (await (await fetch(`${service.url}/v1/images/${id}?wait=5`)).json()) as ImageJson;
    if (image.status === 'done' || image.status === 'failed' || Date.now() > deadline) return image;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function imageCount(service: ServiceProcess): Promise<number> {
  return ((await (await fetch(`${service.url}/v1/images?limit=100`)).json()) as { items: unknown[] }).items.length;
}

/** Writes 64 KiB chunks until the client goes away, at most 64 MiB: an "endless" body with a bound. */
function endlessBody(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'image/jpeg' });
  const chunk = Buffer.alloc(64 * 1024, 0xff);
  let sent = 0;
  const pump = () => {
    while (!res.destroyed && sent < 1024) {
      sent++;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

describe('upload by URL, loopback allowed for the test servers (real process)', () => {
  let service: ServiceProcess;
  let origin: LoopbackServer;
  let jpeg: Buffer;
  let unique: Buffer;
  const stalled: ServerResponse[] = [];
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    jpeg = await makeJpeg({ width: 640, height: 480 });
    unique = await makeJpeg({ width: 123, height: 45 });
    const html = Buffer.from('<!doctype html><title>not an image</title>');
    origin = await startLoopbackServer((req, res) => {
      const path = req.url ?? '';
      if (path === '/photos/Summer%20Day.jpg' || path === '/again.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg', 'set-cookie': 'session=1' }).end(jpeg);
      } else if (path === '/redirect-to-metadata') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      } else if (path === '/redirect-to-private') {
        res.writeHead(301, { location: 'http://10.0.0.1/image.jpg' }).end();
      } else if (path === '/redirect-to-ipv6-loopback-mapped') {
        res.writeHead(307, { location: 'http://[::ffff:a00:1]/image.jpg' }).end();
      } else if (path.startsWith('/loop')) {
        res.writeHead(302, { location: `/loop${path.length}` }).end();
      } else if (path === '/redirected') {
        res.writeHead(302, { location: '/photos/Summer%20Day.jpg' }).end();
      } else if (path === '/endless.jpg') {
        endlessBody(res);
      } else if (path === '/held.jpg') {
        held.push(res); // answered by the test
      } else if (path === '/stall.jpg') {
        stalled.push(res); // never answers
      } else if (path === '/page.html') {
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end(html);
      } else if (path === '/server-error.jpg') {
        res.writeHead(503).end();
      } else {
        res.writeHead(404).end();
      }
    });
    service = await startService({
      env: {
        PRESETS: 'small:64,medium:200',
        FETCH_ALLOW_LOOPBACK: 'true',
        FETCH_TIMEOUT_MS: '1500',
        FETCH_MAX_REDIRECTS: '2',
        MAX_UPLOAD_BYTES: String(2 * 1024 * 1024),
        JOB_MAX_ATTEMPTS: '2',
        JOB_BACKOFF_MS: '50',
        JOB_BACKOFF_MAX_MS: '100',
      },
    });
  }, 60_000);

  afterAll(async () => {
    for (const res of [...stalled, ...held]) res.destroy();
    await service?.stop();
    await origin?.close();
    if (service) await removeDataDir(service.dataDir);
  });

  const url = (path: string) => `${origin.origin}${path}`;

  it('answers at once without an original, then fetches, stores and renders it like a file upload', async () => {
    const before = origin.received.length;
    const accepted = await postUrl(service, { url: url('/photos/Summer%20Day.jpg') });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('location')).toBe(`/v1/images/${accepted.body.id}`);
    expect(accepted.body.sourceUrl).toBe(url('/photos/Summer%20Day.jpg'));
    expect(accepted.body.status).toBe('queued');

    const done = await finalState(service, accepted.body.id);
    expect(done.status).toBe('done');
    expect(done.original).toMatchObject({ format: 'jpeg', width: 640, height: 480, bytes: jpeg.length });
    expect(done.original?.filename).toBe('Summer Day.jpg');
    expect(done.variants.map((v) => [v.preset, v.width, v.height])).toEqual([
      ['small', 64, 48],
      ['medium', 200, 150],
    ]);
    const thumbnail = await fetch(`${service.url}/v1/images/${done.id}/thumbnails/medium`);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-disposition')).toContain('filename="Summer_Day-medium.jpg"');
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 200, 150]);

    expect(service.logs.some((line) => line.variable === 'FETCH_ALLOW_LOOPBACK' && line.level === 40)).toBe(true);
    // One GET, with the fixed User-Agent and no credentials or cookies.
    const requests = origin.received.slice(before);
    expect(requests.map((r) => [r.method, r.url])).toEqual([['GET', '/photos/Summer%20Day.jpg']]);
    expect(requests[0]?.headers['user-agent']).toMatch(/^Thumbsmith\//);
    expect(requests[0]?.headers.cookie).toBeUndefined();
    expect(requests[0]?.headers.authorization).toBeUndefined();
  }, 60_000);

  it('follows a redirect on the same server, and shares the stored bytes of a file upload with the same content', async () => {
    const form = new FormData();
    form.append('file', new Blob([jpeg]), 'file.jpg');
    const file = (await (await fetch(`${service.url}/v1/images`, { method: 'POST', body: form })).json()) as ImageJson;
    const accepted = await postUrl(service, { url: url('/redirected') });
    expect(accepted.status).toBe(202);
    const done = await finalState(service, accepted.body.id);
    expect(done.status).toBe('done');
    expect(done.original?.sha256).toBe(file.original?.sha256);
    const originals = (await filesUnder(join(service.dataDir, 'blobs'))).filter((f) => f.endsWith('/original'));
    expect(originals.filter((f) => f.includes(done.original!.sha256))).toHaveLength(1);
  }, 60_000);

  it.each([
    ['a redirect to the cloud metadata address', '/redirect-to-metadata', 'TS_FETCH_BLOCKED_ADDRESS'],
    ['a redirect to a private address', '/redirect-to-private', 'TS_FETCH_BLOCKED_ADDRESS'],
    [
      'a redirect to an IPv4-mapped IPv6 private address',
      '/redirect-to-ipv6-loopback-mapped',
      'TS_FETCH_BLOCKED_ADDRESS',
    ],
    ['an endless redirect loop', '/loop', 'TS_FETCH_TOO_MANY_REDIRECTS'],
    ['an endless body', '/endless.jpg', 'TS_FETCH_TOO_LARGE'],
    ['an HTML page served as image/jpeg', '/page.html', 'TS_UNSUPPORTED_MEDIA'],
    ['a 404', '/missing.jpg', 'TS_FETCH_UPSTREAM_CLIENT_ERROR'],
  ])(
    'fails the image for good on %s, with its own code and nothing left behind',
    async (_name, path, code) => {
      const accepted = await postUrl(service, { url: url(path) });
      expect(accepted.status).toBe(202);
      const failed = await finalState(service, accepted.body.id);
      expect(failed.status).toBe('failed');
      expect(failed.error?.code).toBe(code);
      expect(failed.original).toBeNull();
      expect(failed.attempts).toBe(1);
      expect(await filesUnder(join(service.dataDir, 'tmp'))).toEqual([]);
    },
    60_000,
  );

  it('retries a stalled server and a 5xx (their codes recorded), then fails when the attempts run out', async () => {
    for (const [path, code] of [
      ['/stall.jpg', 'TS_FETCH_TIMEOUT'],
      ['/server-error.jpg', 'TS_FETCH_UPSTREAM_SERVER_ERROR'],
    ] as const) {
      const started = Date.now();
      const accepted = await postUrl(service, { url: url(path) });
      const failed = await finalState(service, accepted.body.id);
      expect(failed.status).toBe('failed');
      expect(failed.attempts).toBe(2);
      expect(failed.error?.code).toBe('TS_ATTEMPTS_EXHAUSTED');
      expect(failed.error?.message).toContain(code);
      if (path === '/stall.jpg') expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 1500);
    }
    expect(await filesUnder(join(service.dataDir, 'tmp'))).toEqual([]);
  }, 60_000);

  it('the same Idempotency-Key twice at once makes one image; another URL with it is refused', async () => {
    const body = { url: url('/again.jpg') };
    const racing = await Promise.all([
      postUrl(service, body, { 'idempotency-key': 'fetch-1' }),
      postUrl(service, body, { 'idempotency-key': 'fetch-1' }),
    ]);
    expect(racing.map((r) => r.status)).toEqual([202, 202]);
    expect(racing[0]?.body.id).toBe(racing[1]?.body.id);
    const other = await postUrl(service, { url: url('/photos/Summer%20Day.jpg') }, { 'idempotency-key': 'fetch-1' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('TS_IDEMPOTENCY_MISMATCH');
    expect((await finalState(service, racing[0]!.body.id)).status).toBe('done');
  }, 60_000);

  it('refuses malformed requests with 400 and a stable code, creating nothing', async () => {
    const count = await imageCount(service);
    const cases: Array<[unknown, string]> = [
      [{}, 'TS_VALIDATION'],
      [{ url: 42 }, 'TS_VALIDATION'],
      [{ url: url('/again.jpg'), size: 'huge' }, 'TS_VALIDATION'],
      [[url('/again.jpg')], 'TS_VALIDATION'],
      [{ url: `${url('/')}${'a'.repeat(2100)}` }, 'TS_VALIDATION'],
      [{ url: 'not a url' }, 'TS_FETCH_FORBIDDEN_URL'],
      [{ url: 'file:///etc/passwd' }, 'TS_FETCH_FORBIDDEN_URL'],
      [{ url: 'ftp://example.com/a.jpg' }, 'TS_FETCH_FORBIDDEN_URL'],
      [{ url: `http://user:secret@127.0.0.1:${origin.port}/again.jpg` }, 'TS_FETCH_FORBIDDEN_URL'],
      [{ url: url('/again.jpg'), callback_url: 'http://10.0.0.1/hook' }, 'TS_INVALID_CALLBACK_URL'],
    ];
    for (const [body, code] of cases) {
      const answer = await postUrl(service, body);
      expect([JSON.stringify(body).slice(0, 60), answer.status, answer.body.code]).toEqual([
        JSON.stringify(body).slice(0, 60),
        400,
        code,
      ]);
    }
    const text = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'http://example.com/a.jpg',
    });
    expect([text.status, ((await text.json()) as Problem).code]).toEqual([400, 'TS_VALIDATION']);
    const raw = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(await makeJpeg({ width: 8, height: 8 })),
    });
    expect(raw.headers.get('content-type')).toContain('application/problem+json');
    expect([raw.status, ((await raw.json()) as Problem).code]).toEqual([400, 'TS_VALIDATION']);
    expect(await imageCount(service)).toBe(count);
  });

  it('a URL image deleted while its original is being fetched leaves no blob behind', async () => {
    const accepted = await postUrl(service, { url: url('/held.jpg') });
    await waitFor('the fetch to reach the origin', () => held.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
    expect(held).toHaveLength(1);
    expect((await fetch(`${service.url}/v1/images/${accepted.body.id}`, { method: 'DELETE' })).status).toBe(204);
    held[0]?.writeHead(200, { 'content-type': 'image/jpeg' }).end(unique);
    await waitFor(
      'the job to be dropped',
      () => service.logs.some((line) => line.imageId === accepted.body.id && String(line.msg).includes('job dropped')),
      { timeoutMs: 10_000 },
    );
    const sha256 = createHash('sha256').update(unique).digest('hex');
    expect((await filesUnder(join(service.dataDir, 'blobs'))).filter((file) => file.includes(sha256))).toEqual([]);
    expect(await filesUnder(join(service.dataDir, 'tmp'))).toEqual([]);
  }, 30_000);

  it('a URL image deleted before its fetch leaves nothing behind', async () => {
    const accepted = await postUrl(service, { url: url('/stall.jpg') });
    expect((await fetch(`${service.url}/v1/images/${accepted.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${service.url}/v1/images/${accepted.body.id}`)).status).toBe(404);
  });
});

/** A host name other than `localhost` that this machine resolves to loopback (its own name, usually). */
async function nameResolvingToLoopback(): Promise<string | undefined> {
  for (const name of [hostname(), 'vm', 'runsc']) {
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length > 0 && addresses.every((a) => a.address.startsWith('127.') || a.address === '::1')) {
      return name;
    }
  }
  return undefined;
}

describe('upload by URL with the default policy: nothing private is ever reached (real process)', () => {
  let service: ServiceProcess;
  let target: LoopbackServer;
  let loopbackName: string | undefined;

  beforeAll(async () => {
    loopbackName = await nameResolvingToLoopback();
    const png = await makePng({ width: 32, height: 32 });
    target = await startLoopbackServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    service = await startService({ env: { PRESETS: 'small:16', JOB_MAX_ATTEMPTS: '1' } });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await target?.close();
    if (service) await removeDataDir(service.dataDir);
  });

  it('refuses every spelling of a private or loopback address before a row exists', async () => {
    const port = target.port;
    const urls = [
      `http://127.0.0.1:${port}/a.png`,
      `http://localhost:${port}/a.png`,
      `http://10.1.2.3/a.png`,
      `http://172.16.0.1/a.png`,
      `http://192.168.1.1/a.png`,
      `http://100.64.0.1/a.png`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://0.0.0.0:${port}/a.png`,
      `http://224.0.0.1/a.png`,
      `http://[::1]:${port}/a.png`,
      `http://[::ffff:127.0.0.1]:${port}/a.png`,
      `http://[fd00::1]/a.png`,
      `http://[fe80::1]/a.png`,
      `http://2130706433:${port}/a.png`,
      `http://0177.0.0.1:${port}/a.png`,
      `http://0x7f.1:${port}/a.png`,
      `http://127.1:${port}/a.png`,
    ];
    for (const url of urls) {
      const answer = await postUrl(service, { url });
      expect([url, answer.status, answer.body.code]).toEqual([url, 400, 'TS_FETCH_BLOCKED_ADDRESS']);
    }
    expect(await imageCount(service)).toBe(0);
    expect(target.received).toEqual([]);
  });

  it('fails, without connecting, a host name that resolves to loopback', async (context) => {
    if (!loopbackName) {
      context.skip('no host name other than localhost resolves to loopback on this machine');
      return;
    }
    const accepted = await postUrl(service, { url: `http://${loopbackName}:${target.port}/a.png` });
    expect(accepted.status).toBe(202);
    const failed = await finalState(service, accepted.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('TS_FETCH_BLOCKED_ADDRESS');
    expect(target.received).toEqual([]);
  }, 60_000);
});

describe('upload by URL with a host allow-list and a queue bound (real process, no workers)', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    service = await startService({
      command: 'api',
      env: { FETCH_ALLOWED_HOSTS: 'cdn.example.com,*.photos.example', MAX_QUEUE_DEPTH: '2' },
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    if (service) await removeDataDir(service.dataDir);
  });

  it('takes listed hosts and subdomains of a wildcard, refuses the rest, then sheds load past the queue bound', async () => {
    for (const url of ['https://photos.example/a.jpg', 'https://evilcdn.example.com/a.jpg', 'https://example.org/']) {
      const answer = await postUrl(service, { url });
      expect([url, answer.status, answer.body.code]).toEqual([url, 400, 'TS_FETCH_FORBIDDEN_URL']);
    }
    const listed = await postUrl(service, { url: 'https://cdn.example.com/a.jpg' });
    expect(listed.status).toBe(202);
    expect(listed.body).toMatchObject({ status: 'queued', original: null, sourceUrl: 'https://cdn.example.com/a.jpg' });
    expect((await postUrl(service, { url: 'https://a.b.photos.example/b.jpg' })).status).toBe(202);
    // The depth is cached for up to a second: poll (bounded) until the refusal shows.
    let attempt = 0;
    const shed = await waitFor(
      'the queue bound to answer 503',
      async () => {
        const answer = await postUrl(service, { url: `https://cdn.example.com/${attempt++}.jpg` });
        return answer.status === 503 && answer;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(shed.body.code).toBe('TS_QUEUE_FULL');
    expect(shed.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
