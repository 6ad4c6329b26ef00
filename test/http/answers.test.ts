/**
 * The API's answers injected into the app (`app.inject()`), on the real embedded adapters in this process: what an
 * answer says is decided by routes, the service and the one error mapping, none of which needs a socket or a process.
 * (Tests of the edge itself — raw request lines, trickled bodies, per-address limits — keep a real socket.)
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRuntime, openEmbeddedRuntime, workOffQueue } from '../support/embedded-runtime.js';
import type { ImageJson } from '../support/http.js';
import { makeJpeg, makePng } from '../support/images.js';
import { type InjectFetch, injectableApp } from '../support/inject.js';

let embedded: EmbeddedRuntime;
let api: { fetch: InjectFetch; close(): Promise<void> };

beforeAll(async () => {
  embedded = await openEmbeddedRuntime();
  api = await injectableApp(embedded.runtime, 'api');
});
afterAll(async () => {
  await api?.close();
  await embedded?.close();
});

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(await response.json()).toMatchObject({ status, code, type: `urn:thumbsmith:error:${code}` });
}

async function uploadJpeg(): Promise<{ response: Response; image: ImageJson }> {
  const form = new FormData();
  form.append('file', new Blob([await makeJpeg({ width: 640, height: 480 })], { type: 'image/jpeg' }), 'a.jpg');
  const response = await api.fetch('/v1/images', { method: 'POST', body: form });
  return { response, image: (await response.clone().json()) as ImageJson };
}

describe('the API answers, injected into the app (no socket, no process)', () => {
  it('accepts an upload at once, says its thumbnails are not ready, then serves them once a worker rendered them', async () => {
    const { response, image } = await uploadJpeg();
    expect(response.status).toBe(202);
    expect(image.status).toBe('queued');
    expect(response.headers.get('location')).toBe(`/v1/images/${image.id}`);

    await expectProblem(await api.fetch(`/v1/images/${image.id}/thumbnails/small`), 409, 'TS_NOT_READY');
    await expectProblem(await api.fetch(`/v1/images/${image.id}/thumbnails/huge`), 404, 'TS_PRESET_NOT_FOUND');

    await workOffQueue(embedded.runtime);
    const done = (await (await api.fetch(`/v1/images/${image.id}`)).json()) as ImageJson;
    expect(done.status).toBe('done');
    const thumbnail = await api.fetch(`/v1/images/${image.id}/thumbnails/small`);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    expect(thumbnail.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    const revalidated = await api.fetch(`/v1/images/${image.id}/thumbnails/small`, {
      headers: { 'if-none-match': thumbnail.headers.get('etag')! },
    });
    expect(revalidated.status).toBe(304);
    expect(await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).toMatchObject({
      format: 'jpeg',
      width: 150,
      height: 113,
    });
  });

  it('refuses to retry an image that did not fail, deletes once, and then knows it no more', async () => {
    const { image } = await uploadJpeg();
    await workOffQueue(embedded.runtime);
    await expectProblem(await api.fetch(`/v1/images/${image.id}/retry`, { method: 'POST' }), 409, 'TS_NOT_RETRYABLE');
    expect((await api.fetch(`/v1/images/${image.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectProblem(await api.fetch(`/v1/images/${image.id}`), 404, 'TS_NOT_FOUND');
    await expectProblem(await api.fetch(`/v1/images/${image.id}`, { method: 'DELETE' }), 404, 'TS_NOT_FOUND');
    await expectProblem(await api.fetch(`/v1/images/${image.id}/thumbnails/small`), 404, 'TS_NOT_FOUND');
  });

  it("says whether a failed image's retry can help: not for a corrupt image, which fails the same way again", async () => {
    const png = await makePng({ width: 600, height: 400 });
    const form = new FormData();
    // The header probes fine; only decoding the truncated data fails, in the render job.
    form.append('file', new Blob([new Uint8Array(png.subarray(0, Math.floor(png.length / 2)))]), 'cut.png');
    const image = (await (await api.fetch('/v1/images', { method: 'POST', body: form })).json()) as ImageJson;
    await workOffQueue(embedded.runtime);
    const failed = (await (await api.fetch(`/v1/images/${image.id}`)).json()) as ImageJson;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'TS_IMAGE_CORRUPT', retryable: false } });
    const listed = (await (await api.fetch('/v1/images?status=failed')).json()) as { items: ImageJson[] };
    expect(listed.items.find((item) => item.id === image.id)?.error).toEqual(failed.error);
  });

  it('answers a malformed id like an unknown one, and bad queries and unknown routes with their own codes', async () => {
    await expectProblem(await api.fetch('/v1/images/not-an-id'), 404, 'TS_NOT_FOUND');
    await expectProblem(await api.fetch(`/v1/images/${'x'.repeat(65)}`), 400, 'TS_VALIDATION');
    await expectProblem(await api.fetch('/v1/images?limit=0'), 400, 'TS_VALIDATION');
    await expectProblem(await api.fetch('/v1/images?cursor=%00garbage'), 400, 'TS_INVALID_CURSOR');
    await expectProblem(await api.fetch('/v1/nothing-here'), 404, 'TS_ROUTE_NOT_FOUND');
    await expectProblem(
      await api.fetch('/v1/images', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      400,
      'TS_VALIDATION',
    );
  });
});
