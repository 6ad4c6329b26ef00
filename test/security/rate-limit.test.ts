import { Agent, FormData, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedServer } from '../support/embedded-runtime.js';
import { makeJpeg } from '../support/images.js';
import { freePort } from '../support/ports.js';
import { head, rawRequest } from './raw-http.js';

/** `RateLimit: "minute";r=4;t=60` → its parts (the IETF httpapi draft's structured field). */
function rateLimitOf(headers: { get(name: string): string | null } | Record<string, string>) {
  const text =
    'get' in headers && typeof headers.get === 'function'
      ? headers.get('ratelimit')
      : (headers as Record<string, string>).ratelimit;
  const match = /^"(\w+)";r=(\d+);t=(\d+)$/.exec(text ?? '');
  if (!match) throw new Error(`not a RateLimit field: ${JSON.stringify(text)}`);
  return { policy: match[1], remaining: Number(match[2]), reset: Number(match[3]) };
}

/** Each test comes from a loopback address of its own, so the per-address counts of tests never meet. */
const from = (address: string) => new Agent({ localAddress: address });

describe('rate limits and their standard headers (in process, on a real socket, API keys on)', () => {
  let service: EmbeddedServer;
  const bearer = (index: number) => ({ authorization: `Bearer ${service.keys[index]}` });

  beforeAll(async () => {
    service = await startEmbeddedServer({
      role: 'api',
      env: { RATE_LIMIT_PER_MINUTE: '5', UPLOAD_RATE_LIMIT_PER_MINUTE: '2' },
      keys: Array.from({ length: 4 }, () => ({ tenant: 'acme', scopes: ['upload', 'read'] as const })),
    });
  }, 60_000);
  afterAll(() => service?.stop());

  it('every /v1 answer tells the policy and what is left; past it, 429 with Retry-After; probes are outside', async () => {
    const dispatcher = from('127.0.0.2');
    const get = (path: string, headers: Record<string, string> = bearer(0)) =>
      undiciFetch(`${service.url}${path}`, { dispatcher, headers });
    const answers = [
      await get('/v1/images'),
      await get('/v1/images/img_00000000000000000000000000'),
      await get('/v1/images?status=bogus'),
      await get('/v1/images'),
      await get('/v1/images'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 404, 400, 200, 200]);
    for (const [index, answer] of answers.entries()) {
      expect(answer.headers.get('ratelimit-policy')).toBe('"minute";q=5;w=60');
      const state = rateLimitOf(answer.headers);
      expect(state).toMatchObject({ policy: 'minute', remaining: 4 - index });
      expect(state.reset).toBeGreaterThanOrEqual(1);
      expect(state.reset).toBeLessThanOrEqual(60);
    }
    const refused = await get('/v1/images');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { code: string }).code).toBe('TS_RATE_LIMITED');
    const state = rateLimitOf(refused.headers);
    expect(state.remaining).toBe(0);
    expect(Number(refused.headers.get('retry-after'))).toBe(state.reset);
    // Unauthenticated answers carry them too (the address is counted before the key is checked).
    const unauthenticated = await get('/v1/images', {});
    expect(unauthenticated.status).toBe(429);
    expect(unauthenticated.headers.get('ratelimit')).toMatch(/^"minute";r=0;t=\d+$/);
    for (const probe of ['/healthz', '/readyz', '/metrics']) {
      const answer = await get(probe);
      expect(answer.status).not.toBe(429);
      expect(answer.headers.get('ratelimit')).toBeNull();
      expect(answer.headers.get('ratelimit-policy')).toBeNull();
    }
  });

  it('odd spellings of /v1 paths, and paths that match nothing, share the same count', async () => {
    const spellings = [
      '/%761/images',
      '/v1/%69mages',
      'http://localhost/v1/images',
      '/%76%31/%69%6d%61%67%65%73',
      '/V1/images',
      '//v1/images',
      '/v1/images;a=b',
      '/nothing-here',
    ];
    const answers = [];
    for (const target of spellings) {
      answers.push(await rawRequest(service.url, head('GET', target, bearer(1)), { localAddress: '127.0.0.3' }));
    }
    // Five are answered (200 when the router decodes to /v1/images, 404 when nothing matches), the rest refused.
    expect(answers.slice(0, 5).every((answer) => answer.status !== 429)).toBe(true);
    expect(answers.slice(5).map((answer) => answer.status)).toEqual([429, 429, 429]);
    for (const answer of answers) expect(answer.headers.ratelimit).toMatch(/^"minute";r=\d;t=\d+$/);
  });

  it('a key is one count whatever address it comes from', async () => {
    const statuses = [];
    for (const address of ['127.0.0.4', '127.0.0.5', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.6']) {
      const answer = await undiciFetch(`${service.url}/v1/images`, { dispatcher: from(address), headers: bearer(2) });
      statuses.push(answer.status);
      await answer.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('an upload names both policies and reports the one closest to refusal', async () => {
    const dispatcher = from('127.0.0.7');
    const bytes = await makeJpeg({ width: 16, height: 16 });
    const upload = () => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), 'a.jpg');
      return undiciFetch(`${service.url}/v1/images`, { method: 'POST', body: form, dispatcher, headers: bearer(3) });
    };
    const first = await upload();
    expect(first.status).toBe(202);
    expect(first.headers.get('ratelimit-policy')).toBe('"minute";q=5;w=60, "uploads";q=2;w=60');
    expect(rateLimitOf(first.headers)).toMatchObject({ policy: 'uploads', remaining: 1 });
    expect((await upload()).status).toBe(202);
    const third = await upload();
    expect(third.status).toBe(429);
    expect(rateLimitOf(third.headers)).toMatchObject({ policy: 'uploads', remaining: 0 });
    // Other routes are still open to this client: only the minute's policy counts there.
    const list = await undiciFetch(`${service.url}/v1/images`, { dispatcher, headers: bearer(3) });
    expect(list.status).toBe(200);
    expect(list.headers.get('ratelimit-policy')).toBe('"minute";q=5;w=60');
    expect(rateLimitOf(list.headers)).toMatchObject({ policy: 'minute', remaining: 1 });
  });
});

describe('while the shared store (Redis) cannot be reached', () => {
  let service: EmbeddedServer;
  beforeAll(async () => {
    service = await startEmbeddedServer({
      role: 'api',
      env: {
        RATE_LIMIT_PER_MINUTE: '3',
        RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        LOG_LEVEL: 'warn',
      },
    });
  }, 60_000);
  afterAll(() => service?.stop());

  it('fails open to a count in this process: answered, still limited, one warning, every failure counted', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const answer = await fetch(`${service.url}/v1/images`);
      statuses.push(answer.status);
      expect(answer.headers.get('ratelimit-policy')).toBe('"minute";q=3;w=60');
      await answer.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const warnings = service.logs.filter(
      (line) => line.msg === 'rate-limit store unavailable; counting in this process meanwhile',
    );
    expect(warnings).toHaveLength(1);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^thumbsmith_rate_limit_store_errors_total 5$/m);
  });
});
