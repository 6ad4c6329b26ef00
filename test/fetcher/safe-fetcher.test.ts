// Over 400 lines on purpose: the SSRF guard's table of refused addresses, redirects, caps and timeouts against one set
// of loopback servers.

import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { createSafeFetcher, type FetchPolicy, type SafeFetcher } from '../../src/fetcher/index.js';
import {
  BASE_POLICY,
  connectRecorder,
  type LoopbackServer,
  readAll,
  startLoopbackServer,
  tableResolver,
} from './loopback-server.js';

const PAYLOAD = randomBytes(200 * 1024);

// One server answers every scenario by path; tests that need special behaviour start their own.
let server: LoopbackServer;
const fetchers: SafeFetcher[] = [];

beforeAll(async () => {
  server = await startLoopbackServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/image.bin':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': PAYLOAD.length });
        res.end(PAYLOAD);
        return;
      case '/missing':
        res.writeHead(404).end('nope');
        return;
      case '/broken':
        res.writeHead(503).end('down');
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/hop': {
        const left = Number(url.searchParams.get('n'));
        res.writeHead(302, { location: left > 0 ? `/hop?n=${left - 1}` : '/image.bin' }).end();
        return;
      }
      case '/to':
        // Redirects wherever the test says (the fetcher must vet the target).
        res.writeHead(302, { location: url.searchParams.get('target') ?? '/' }).end();
        return;
      case '/receiver':
        res.writeHead(201).end('thanks');
        return;
      default:
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
  });
});

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
});

afterAll(async () => {
  await server.close();
});

function makeFetcher(overrides: Partial<FetchPolicy> = {}) {
  const recorder = connectRecorder();
  const dns = tableResolver({
    'images.test': ['127.0.0.1'],
    'img.example.test': ['127.0.0.1'],
    'loop.test': ['127.0.0.1'],
    'intranet.test': ['10.0.0.5'],
    'mixed.test': ['93.184.215.14', '10.0.0.5'],
    'mixed-loop.test': ['127.0.0.1', '10.0.0.5'],
    'metadata.test': ['169.254.169.254'],
    'mapped.test': ['::ffff:10.0.0.5'],
    'odd.test': ['127.1'],
    'empty.test': [],
  });
  const fetcher = createSafeFetcher(
    { ...BASE_POLICY, resolver: dns.resolver, ...overrides },
    { onConnect: recorder.onConnect },
  );
  fetchers.push(fetcher);
  return { fetcher, attempts: recorder.attempts, resolverCalls: dns.calls };
}

async function failure(promise: Promise<unknown>): Promise<ThumbsmithError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ThumbsmithError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('blocked destinations (refused before any connection)', () => {
  const literals = [
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f000001/',
    'http://127.1/',
    'http://localhost/',
  ];

  it.each(literals)('%s', async (url) => {
    const { fetcher, attempts, resolverCalls } = makeFetcher({ timeoutMs: 300 });
    const error = await failure(fetcher.get(url));
    expect(error.code).toBe('TS_FETCH_BLOCKED_ADDRESS');
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(attempts).toEqual([]);
    expect(resolverCalls).toEqual([]);
  });

  it('127.0.0.1 with a live server behind it, when allowLoopback is false', async () => {
    const { fetcher, attempts } = makeFetcher({ timeoutMs: 300 });
    const before = server.received.length;
    expect((await failure(fetcher.get(`${server.origin}/image.bin`))).code).toBe('TS_FETCH_BLOCKED_ADDRESS');
    expect((await failure(fetcher.get(`http://2130706433:${server.port}/image.bin`))).code).toBe(
      'TS_FETCH_BLOCKED_ADDRESS',
    );
    expect(attempts).toEqual([]);
    expect(server.received.length).toBe(before);
  });

  it.each([
    'http://10.0.0.1/',
    'http://169.254.169.254/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
  ])('%s stays blocked with allowLoopback', async (url) => {
    const { fetcher, attempts } = makeFetcher({ timeoutMs: 300, allowLoopback: true });
    expect((await failure(fetcher.get(url))).code).toBe('TS_FETCH_BLOCKED_ADDRESS');
    expect(attempts).toEqual([]);
  });

  it.each([
    ['loop.test', false],
    ['intranet.test', false],
    ['mixed.test', false],
    ['metadata.test', true],
    ['mapped.test', true],
    ['mixed-loop.test', true],
    ['odd.test', true],
  ])('a host name resolving to a non-public address: %s (allowLoopback %s)', async (host, allowLoopback) => {
    const { fetcher, attempts, resolverCalls } = makeFetcher({ timeoutMs: 300, allowLoopback });
    const error = await failure(fetcher.get(`http://${host}:${server.port}/image.bin`));
    expect(error.code).toBe('TS_FETCH_BLOCKED_ADDRESS');
    expect(error.detail).not.toMatch(/10\.0\.0\.5|169\.254/); // never reveal what an internal name resolves to
    expect(resolverCalls).toEqual([host]);
    expect(attempts).toEqual([]);
  });

  it('a name that does not resolve, or resolves to nothing, fails as a network error', async () => {
    const { fetcher, attempts } = makeFetcher({ timeoutMs: 300 });
    const unknown = await failure(fetcher.get('http://nowhere.test/'));
    expect(unknown.code).toBe('TS_FETCH_FAILED');
    expect(unknown.retryable).toBe(true);
    expect((await failure(fetcher.get('http://empty.test/'))).code).toBe('TS_FETCH_FAILED');
    expect(attempts).toEqual([]);
  });

  it.each([
    'ftp://images.test/a.png',
    'file:///etc/passwd',
    'gopher://images.test:70/_GET',
    `http://user:secret@127.0.0.1:0/`,
    'http://img.example.test@intranet.test/',
  ])('%s is a forbidden URL', async (url) => {
    const { fetcher, attempts, resolverCalls } = makeFetcher({ timeoutMs: 300, allowLoopback: true });
    const error = await failure(fetcher.get(url));
    expect(error.code).toBe('TS_FETCH_FORBIDDEN_URL');
    expect(error.status).toBe(400);
    expect(attempts).toEqual([]);
    expect(resolverCalls).toEqual([]);
  });
});

describe('redirects', () => {
  it.each([
    ['http://10.0.0.1/', 'TS_FETCH_BLOCKED_ADDRESS'],
    ['http://169.254.169.254/latest/meta-data/', 'TS_FETCH_BLOCKED_ADDRESS'],
    ['http://[::ffff:a9fe:a9fe]/', 'TS_FETCH_BLOCKED_ADDRESS'],
    ['http://intranet.test/', 'TS_FETCH_BLOCKED_ADDRESS'],
    ['http://user:pw@127.0.0.1/', 'TS_FETCH_FORBIDDEN_URL'],
    ['file:///etc/passwd', 'TS_FETCH_FORBIDDEN_URL'],
    ['gopher://127.0.0.1:6379/_INFO', 'TS_FETCH_FORBIDDEN_URL'],
  ])('from an allowed loopback server to %s is refused', async (target, code) => {
    const { fetcher, attempts } = makeFetcher({ timeoutMs: 1_000, allowLoopback: true });
    const error = await failure(fetcher.get(`${server.origin}/to?target=${encodeURIComponent(target)}`));
    expect(error.code).toBe(code);
    // Only the first hop (to the loopback server) ever connected.
    expect(attempts.map((a) => a.address)).toEqual(['127.0.0.1']);
  });

  it('a redirect loop ends with TS_FETCH_TOO_MANY_REDIRECTS after maxRedirects hops', async () => {
    const { fetcher } = makeFetcher({ allowLoopback: true, maxRedirects: 3 });
    const before = server.received.filter((r) => r.url === '/loop').length;
    const error = await failure(fetcher.get(`${server.origin}/loop`));
    expect(error.code).toBe('TS_FETCH_TOO_MANY_REDIRECTS');
    expect(error.status).toBe(422);
    expect(server.received.filter((r) => r.url === '/loop').length - before).toBe(4); // the first + 3 redirects
  });

  it('follows up to maxRedirects, relative locations included, and reports the final URL', async () => {
    const { fetcher } = makeFetcher({ allowLoopback: true, maxRedirects: 3 });
    const result = await fetcher.get(`${server.origin}/hop?n=1`);
    expect(result.finalUrl).toBe(`${server.origin}/image.bin`);
    expect((await readAll(result.stream)).equals(PAYLOAD)).toBe(true);

    const { fetcher: strict } = makeFetcher({ allowLoopback: true, maxRedirects: 0 });
    expect((await failure(strict.get(`${server.origin}/hop?n=0`))).code).toBe('TS_FETCH_TOO_MANY_REDIRECTS');
  });
});

describe('limits', () => {
  it('cuts an endless body at maxBytes with TS_FETCH_TOO_LARGE', async () => {
    const chunk = Buffer.alloc(16 * 1024, 7);
    const endless = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    try {
      const { fetcher } = makeFetcher({ allowLoopback: true, maxBytes: 256 * 1024, timeoutMs: 10_000 });
      const result = await fetcher.get(`${endless.origin}/forever`);
      let delivered = 0;
      const error = await failure(
        (async () => {
          for await (const part of result.stream) delivered += (part as Buffer).length;
        })(),
      );
      expect(error.code).toBe('TS_FETCH_TOO_LARGE');
      expect(error.status).toBe(413);
      expect(error.extensions).toEqual({ limit: 256 * 1024 });
      expect(delivered).toBeLessThanOrEqual(256 * 1024);
    } finally {
      await endless.close();
    }
  });

  it('rejects a Content-Length over the cap before reading the body', async () => {
    // Headers promise 10 MB, then the server goes silent: reading would run into the timeout instead.
    const liar = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-length': 10 * 1024 * 1024 });
      res.write('x');
    });
    try {
      const { fetcher } = makeFetcher({ allowLoopback: true, maxBytes: 1024 * 1024, timeoutMs: 20_000 });
      const error = await failure(fetcher.get(`${liar.origin}/big`));
      expect(error.code).toBe('TS_FETCH_TOO_LARGE');
    } finally {
      await liar.close();
    }
  });

  it('times out on a server that never answers', async () => {
    const silent = await startLoopbackServer(() => {});
    try {
      const { fetcher } = makeFetcher({ allowLoopback: true, timeoutMs: 400 });
      const started = performance.now();
      const error = await failure(fetcher.get(`${silent.origin}/`));
      const elapsed = performance.now() - started;
      expect(error.code).toBe('TS_FETCH_TIMEOUT');
      expect(error.status).toBe(504);
      expect(error.retryable).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(400 + 5_000); // generous slack for a loaded 2-core machine
    } finally {
      await silent.close();
    }
  });

  it('times out on a server that stalls mid-body (the deadline covers the body)', async () => {
    const staller = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(100, 1));
    });
    try {
      const { fetcher } = makeFetcher({ allowLoopback: true, timeoutMs: 500 });
      const result = await fetcher.get(`${staller.origin}/`);
      const error = await failure(readAll(result.stream));
      expect(error.code).toBe('TS_FETCH_TIMEOUT');
    } finally {
      await staller.close();
    }
  });

  it('times out while DNS hangs', async () => {
    const recorder = connectRecorder();
    const fetcher = createSafeFetcher(
      { ...BASE_POLICY, timeoutMs: 300, resolver: () => new Promise(() => {}) },
      { onConnect: recorder.onConnect },
    );
    fetchers.push(fetcher);
    expect((await failure(fetcher.get('http://slow-dns.test/'))).code).toBe('TS_FETCH_TIMEOUT');
    expect(recorder.attempts).toEqual([]);
  });

  it('hands the caller abort reason back', async () => {
    const silent = await startLoopbackServer(() => {});
    try {
      const { fetcher } = makeFetcher({ allowLoopback: true, timeoutMs: 10_000 });
      const controller = new AbortController();
      const pending = fetcher.get(`${silent.origin}/`, controller.signal);
      const reason = new Error('shutting down');
      setTimeout(() => controller.abort(reason), 50);
      await expect(pending).rejects.toBe(reason);
    } finally {
      await silent.close();
    }
  });
});

describe('allow-list', () => {
  it('refuses hosts not on the list and accepts wildcard subdomains', async () => {
    const { fetcher, attempts, resolverCalls } = makeFetcher({
      allowLoopback: true,
      allowedHosts: ['*.example.test'],
    });
    const forbidden = await failure(fetcher.get(`http://images.test:${server.port}/image.bin`));
    expect(forbidden.code).toBe('TS_FETCH_FORBIDDEN_URL');
    expect((await failure(fetcher.get(`http://example.test:${server.port}/`))).code).toBe('TS_FETCH_FORBIDDEN_URL');
    expect((await failure(fetcher.get(`http://img.example.test@images.test:${server.port}/`))).code).toBe(
      'TS_FETCH_FORBIDDEN_URL',
    );
    expect((await failure(fetcher.get(`http://images.test:${server.port}/#@img.example.test`))).code).toBe(
      'TS_FETCH_FORBIDDEN_URL',
    );
    expect(attempts).toEqual([]);
    expect(resolverCalls).toEqual([]);

    const ok = await fetcher.get(`http://img.example.test:${server.port}/image.bin`);
    expect((await readAll(ok.stream)).equals(PAYLOAD)).toBe(true);
    expect(resolverCalls).toEqual(['img.example.test']);
  });

  it('applies the allow-list to redirect targets', async () => {
    const { fetcher } = makeFetcher({ allowLoopback: true, allowedHosts: ['img.example.test'] });
    const target = `http://images.test:${server.port}/image.bin`;
    const error = await failure(
      fetcher.get(`http://img.example.test:${server.port}/to?target=${encodeURIComponent(target)}`),
    );
    expect(error.code).toBe('TS_FETCH_FORBIDDEN_URL');
  });
});

describe('upstream answers', () => {
  it('maps 4xx and 5xx', async () => {
    const { fetcher } = makeFetcher({ allowLoopback: true });
    const notFound = await failure(fetcher.get(`${server.origin}/missing`));
    expect(notFound.code).toBe('TS_FETCH_UPSTREAM_CLIENT_ERROR');
    expect(notFound.status).toBe(422);
    expect(notFound.retryable).toBe(false);
    expect(notFound.extensions).toEqual({ upstreamStatus: 404 });
    const down = await failure(fetcher.get(`${server.origin}/broken`));
    expect(down.code).toBe('TS_FETCH_UPSTREAM_SERVER_ERROR');
    expect(down.status).toBe(502);
    expect(down.retryable).toBe(true);
  });

  it('fails as a network error when nothing listens', async () => {
    const gone = await startLoopbackServer(() => {});
    const port = gone.port;
    await gone.close();
    const { fetcher } = makeFetcher({ allowLoopback: true });
    const error = await failure(fetcher.get(`http://127.0.0.1:${port}/`));
    expect(error.code).toBe('TS_FETCH_FAILED');
  });

  it('happy path: exact bytes, content type, fixed User-Agent, no cookies, Host kept while connecting to the vetted IP', async () => {
    const { fetcher, attempts } = makeFetcher({ allowLoopback: true });
    const result = await fetcher.get(`http://images.test:${server.port}/image.bin?sig=abc`);
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('application/octet-stream');
    expect(result.finalUrl).toBe(`http://images.test:${server.port}/image.bin?sig=abc`);
    const bytes = await readAll(result.stream);
    expect(bytes.length).toBe(PAYLOAD.length);
    expect(bytes.equals(PAYLOAD)).toBe(true);

    const seen = server.received.at(-1)!;
    expect(seen.url).toBe('/image.bin?sig=abc');
    expect(seen.headers.host).toBe(`images.test:${server.port}`);
    expect(seen.headers['user-agent']).toBe('Thumbsmith-Test/1.0');
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
    expect(attempts).toEqual([{ hostname: 'images.test', address: '127.0.0.1', port: server.port }]);
  });

  it('re-resolves and re-checks on every new connection (DNS rebinding)', async () => {
    const table: Record<string, string[]> = { 'rebind.test': ['127.0.0.1'] };
    const calls: string[] = [];
    const recorder = connectRecorder();
    const closing = await startLoopbackServer((_req, res) => res.writeHead(200, { connection: 'close' }).end('hi'));
    const fetcher = createSafeFetcher(
      {
        ...BASE_POLICY,
        allowLoopback: true,
        resolver: async (host) => {
          calls.push(host);
          return (table[host] ?? []).map((address) => ({ address, family: 4 as const }));
        },
      },
      { onConnect: recorder.onConnect },
    );
    fetchers.push(fetcher);
    try {
      const first = await fetcher.get(`http://rebind.test:${closing.port}/`);
      expect((await readAll(first.stream)).toString()).toBe('hi');
      expect(calls).toEqual(['rebind.test']); // resolved once; the socket went to that answer
      table['rebind.test'] = ['10.0.0.5'];
      expect((await failure(fetcher.get(`http://rebind.test:${closing.port}/`))).code).toBe('TS_FETCH_BLOCKED_ADDRESS');
      expect(recorder.attempts.map((a) => a.address)).toEqual(['127.0.0.1']);
    } finally {
      await closing.close();
    }
  });
});

describe('post', () => {
  it('delivers the body to a loopback receiver and returns the status', async () => {
    const { fetcher } = makeFetcher({ allowLoopback: true });
    const body = Buffer.from(JSON.stringify({ event: 'image.ready', id: 'img_1' }));
    const result = await fetcher.post(`${server.origin}/receiver`, body, {
      'content-type': 'application/json',
      'x-thumbsmith-signature': 'sha256=abc',
      cookie: 'session=1',
      host: 'evil.test',
      'user-agent': 'spoofed',
    });
    expect(result).toEqual({ status: 201 });
    const seen = server.received.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(seen.body.equals(body)).toBe(true);
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-thumbsmith-signature']).toBe('sha256=abc');
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(seen.headers['user-agent']).toBe('Thumbsmith-Test/1.0');
  });

  it('does not follow redirects and is guarded like get', async () => {
    const { fetcher, attempts } = makeFetcher({ allowLoopback: true, timeoutMs: 500 });
    const target = `${server.origin}/receiver`;
    const before = server.received.filter((r) => r.url === '/receiver').length;
    const redirected = await fetcher.post(
      `${server.origin}/to?target=${encodeURIComponent(target)}`,
      Buffer.from('x'),
      {},
    );
    expect(redirected.status).toBe(302);
    expect(server.received.filter((r) => r.url === '/receiver').length).toBe(before);
    expect((await failure(fetcher.post('http://169.254.169.254/hook', Buffer.from('x'), {}))).code).toBe(
      'TS_FETCH_BLOCKED_ADDRESS',
    );
    expect((await failure(fetcher.post('http://intranet.test/hook', Buffer.from('x'), {}))).code).toBe(
      'TS_FETCH_BLOCKED_ADDRESS',
    );
    expect(attempts.every((a) => a.address === '127.0.0.1')).toBe(true);
  });
});

describe('policy validation', () => {
  it('names every bad field', () => {
    expect(() =>
      createSafeFetcher({
        ...BASE_POLICY,
        maxBytes: 0,
        timeoutMs: -1,
        userAgent: 'a\r\nb',
        allowedHosts: ['ev*l.com'],
      }),
    ).toThrow(/maxBytes.*timeoutMs.*userAgent.*allowedHosts/);
  });
});
