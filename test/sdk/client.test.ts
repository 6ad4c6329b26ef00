import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiProblem, createThumbsmithClient, formData, must, type ThumbsmithApi } from '../../src/sdk/index.js';
import { type EmbeddedServer, startEmbeddedServer } from '../support/embedded-runtime.js';
import { freePort } from '../support/ports.js';

/**
 * The generated client (src/sdk: openapi-typescript types + openapi-fetch) against a live embedded server: what a
 * program importing `thumbsmith/client` does, through the types the compiler checks against docs/openapi.json.
 */
let server: EmbeddedServer;
let client: ThumbsmithApi;

beforeAll(async () => {
  server = await startEmbeddedServer({ keys: [{ tenant: 'acme', scopes: ['upload', 'read'] }] });
  client = createThumbsmithClient({ baseUrl: server.url, key: server.keys[0] });
}, 30_000);
afterAll(() => server?.stop());

const photo = () =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a7' } })
    .jpeg()
    .toBuffer();

describe('the generated API client', () => {
  it('uploads a file, waits for it, lists it and downloads a thumbnail', async () => {
    const file = new File([new Uint8Array(await photo())], 'photo.jpg');
    const accepted = await must(client.POST('/v1/images', { body: { file }, bodySerializer: formData }));
    expect(accepted.original?.filename).toBe('photo.jpg');
    expect(accepted.status).toMatch(/queued|processing|done/);

    let image = accepted;
    for (let tries = 0; image.status !== 'done' && tries < 10; tries++) {
      image = await must(client.GET('/v1/images/{id}', { params: { path: { id: accepted.id }, query: { wait: 10 } } }));
    }
    expect(image.status).toBe('done');
    expect(image.variants.map((variant) => variant.preset).sort()).toEqual(
      server.runtime.config.presets.map((preset) => preset.name).sort(),
    );

    const page = await must(client.GET('/v1/images', { params: { query: { limit: 5, status: 'done' } } }));
    expect(page.items.map((item) => item.id)).toContain(accepted.id);

    const preset = image.variants[0]!.preset;
    const { data, response } = await client.GET('/v1/images/{id}/thumbnails/{preset}', {
      params: { path: { id: accepted.id, preset } },
      parseAs: 'arrayBuffer',
    });
    expect(response.status).toBe(200);
    const meta = await sharp(Buffer.from(data as ArrayBuffer)).metadata();
    expect(meta.width).toBe(image.variants[0]!.width);
  }, 60_000);

  it("turns a refusal into an ApiProblem with the server's stable code", async () => {
    const missing = client.GET('/v1/images/{id}', { params: { path: { id: 'img_doesnotexist0000000000' } } });
    await expect(must(missing)).rejects.toMatchObject({ name: 'ApiProblem', status: 404, code: 'TS_NOT_FOUND' });

    const text = new File([new TextEncoder().encode('%PDF-1.7 not an image\n')], 'paper.pdf');
    const refused = must(client.POST('/v1/images', { body: { file: text }, bodySerializer: formData }));
    await expect(refused).rejects.toMatchObject({
      status: 415,
      code: 'TS_UNSUPPORTED_MEDIA',
      acceptedFormats: expect.arrayContaining(['jpeg', 'png', 'webp']),
    });

    const anonymous = createThumbsmithClient({ baseUrl: server.url });
    await expect(must(anonymous.GET('/v1/images', {}))).rejects.toMatchObject({ status: 401 });
  });

  it('says status 0 when nothing answers, and keeps an abort an abort', async () => {
    const nowhere = createThumbsmithClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const refused = await must(nowhere.GET('/v1/images', {})).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiProblem);
    expect(refused).toMatchObject({ status: 0, detail: 'ECONNREFUSED' });

    const aborted = must(client.GET('/v1/images', { signal: AbortSignal.abort() }));
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
  });
});
