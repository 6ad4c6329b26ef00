import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedServer } from '../support/embedded-runtime.js';
import type { ImageJson } from '../support/http.js';
import { makeJpeg, makePng } from '../support/images.js';
import { waitFor } from '../support/wait.js';
import { uploadInOneWrite } from './one-write-upload.js';

async function post(url: string, bytes: Buffer, headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'a.jpg');
  return fetch(`${url}/v1/images`, { method: 'POST', body: form, headers });
}

describe('Idempotency-Key (in process, on a real socket)', () => {
  let service: EmbeddedServer;
  beforeAll(async () => {
    service = await startEmbeddedServer({ env: { PRESETS: 'small:64' } });
  }, 60_000);
  afterAll(() => service?.stop());

  const count = async () =>
    ((await (await fetch(`${service.url}/v1/images?limit=100`)).json()) as { items: ImageJson[] }).items.length;

  it('the same key twice, then six times at once, makes one image; another file with it is refused', async () => {
    const bytes = await makeJpeg({ width: 200, height: 100 });
    const first = await post(service.url, bytes, { 'idempotency-key': 'order-1' });
    expect(first.status).toBe(202);
    const firstBody = (await first.json()) as ImageJson;
    const again = await post(service.url, bytes, { 'idempotency-key': 'order-1' });
    expect(again.status).toBe(202);
    expect(((await again.json()) as ImageJson).id).toBe(firstBody.id);
    expect(await count()).toBe(1);

    const racing = await Promise.all(
      Array.from({ length: 6 }, () => post(service.url, bytes, { 'idempotency-key': 'order-2' })),
    );
    expect(racing.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);
    const ids = new Set(await Promise.all(racing.map(async (r) => ((await r.json()) as ImageJson).id)));
    expect(ids.size).toBe(1);
    expect(ids.has(firstBody.id)).toBe(false);
    expect(await count()).toBe(2);

    const other = await post(service.url, await makePng({ width: 20, height: 20 }), { 'idempotency-key': 'order-1' });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('TS_IDEMPOTENCY_MISMATCH');
    expect((await post(service.url, bytes, { 'idempotency-key': 'bad key' })).status).toBe(400);
    // Without a key the same bytes are a new image.
    expect((await post(service.url, bytes)).status).toBe(202);
    expect(await count()).toBe(3);
    // Signed URLs asked of a server without SIGNING_KEYS: refused, not silently unsigned.
    const signed = await fetch(`${service.url}/v1/images/${firstBody.id}?signed=true`);
    expect(signed.status).toBe(400);
  }, 60_000);
});

describe('rate limits and the queue bound (in process, on a real socket, no workers)', () => {
  let service: EmbeddedServer;
  beforeAll(async () => {
    service = await startEmbeddedServer({
      role: 'api',
      env: { RATE_LIMIT_PER_MINUTE: '60', UPLOAD_RATE_LIMIT_PER_MINUTE: '600', MAX_QUEUE_DEPTH: '1' },
    });
  }, 60_000);
  afterAll(() => service?.stop());

  it('a full queue refuses uploads with 503 and Retry-After; then a burst over the rate limit gets 429', async () => {
    const bytes = await makeJpeg({ width: 16, height: 16 });
    expect((await uploadInOneWrite(service.url, bytes)).status).toBe(202);
    // The depth is cached for up to a second: poll (bounded) until the refusal shows.
    const refused = await waitFor(
      'the queue bound to answer 503',
      async () => {
        const answer = await uploadInOneWrite(service.url, bytes);
        return answer.status === 503 && answer;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body.code).toBe('TS_QUEUE_FULL');

    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 80; i++) {
      const response = await fetch(`${service.url}/v1/images`);
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses).toContain(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    if (!limited) throw new Error('no 429');
    expect(((await limited.json()) as { code: string }).code).toBe('TS_RATE_LIMITED');
    // Health stays outside the limit.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  }, 60_000);
});
