import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedServer } from '../support/embedded-runtime.js';
import type { ImageJson } from '../support/http.js';
import { makeJpeg } from '../support/images.js';
import { head, rawRequest } from './raw-http.js';

const SECRET = 's'.repeat(40);

/**
 * Access is decided on the route the router matched, not on the raw URL: every spelling of an API path either needs
 * the key or matches no route. Sent as raw request lines, because fetch and undici normalise some of them.
 */
describe('API paths spelled oddly, with API keys configured (in process, on a real socket)', () => {
  let service: EmbeddedServer;
  let acme: string;
  let image: ImageJson;

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    service = await startEmbeddedServer({
      env: { SIGNING_KEYS: `k1:${SECRET}`, PRESETS: 'small:32,medium:48' },
      keys: [{ tenant: 'acme', scopes: ['upload', 'read'] }],
    });
    acme = service.keys[0] ?? '';
    const form = new FormData();
    form.append('file', new Blob([await makeJpeg({ width: 64, height: 64 })]), 'a.jpg');
    const uploaded = await fetch(`${service.url}/v1/images`, { method: 'POST', body: form, headers: bearer(acme) });
    expect(uploaded.status).toBe(202);
    const id = ((await uploaded.json()) as ImageJson).id;
    const deadline = Date.now() + 30_000;
    for (;;) {
      image = (await (
        await fetch(`${service.url}/v1/images/${id}?wait=5`, { headers: bearer(acme) })
      ).json()) as ImageJson;
      if (image.status === 'done' || Date.now() > deadline) break;
    }
    expect(image.status).toBe('done');
  }, 90_000);

  afterAll(() => service?.stop());

  const spellings = () => {
    const id = image.id;
    const encodedId = `%${id.charCodeAt(0).toString(16)}${id.slice(1)}`;
    return [
      ['GET', '/%761/images'],
      ['HEAD', '/%761/images'],
      ['HEAD', `/%761/images/${id}/thumbnails/small`],
      ['POST', '/%761/images'],
      ['DELETE', `/%761/images/${id}`],
      ['POST', `/%761/images/${id}/retry`],
      ['GET', '/%761/events'],
      ['GET', `/%761/images/${id}/events`],
      ['GET', `/%761/images/${id}/thumbnails/small`],
      ['GET', '/v1/%69mages'],
      ['GET', '/%76%31/%69%6d%61%67%65%73'],
      ['GET', '/%2Fv1/images'],
      ['GET', '/%2fv1%2fimages'],
      ['GET', '//v1/images'],
      ['GET', '/v1//images'],
      ['GET', '/v1/images/'],
      ['GET', '/v1/./images'],
      ['GET', '/x/../v1/images'],
      ['GET', '/v1/images/..'],
      ['GET', '/V1/images'],
      ['GET', '/v1/IMAGES'],
      ['GET', `/v1/images/${encodedId}`],
      ['DELETE', `/v1/images/${encodedId}`],
      ['GET', `/v1/images/${encodedId}/thumbnails/%73mall`],
      ['GET', `/v1/images/${id}%2Fthumbnails%2Fsmall`],
      ['GET', '/v1/images;a=b'],
      ['GET', '/v1/images%00'],
      ['GET', '/v1/images?limit=1#frag'],
      ['GET', `http://localhost/v1/images`],
      ['GET', `http://localhost/%761/images/${id}`],
      ['GET', '/v1/images?%73igned=true'],
    ] as const;
  };

  it('every spelling without a key is 401 or 404, never served', async () => {
    for (const [method, target] of spellings()) {
      const answer = await rawRequest(service.url, head(method, target, { 'content-length': '0' }));
      expect({ method, target, refused: [401, 404].includes(answer.status) }).toEqual({
        method,
        target,
        refused: true,
      });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      if (answer.status === 401 && method !== 'HEAD') expect(answer.code).toBe('TS_UNAUTHORIZED');
      // Nothing of the image leaks in any refusal.
      expect(answer.body).not.toContain('"variants"');
    }
    // Nothing was deleted or retried by those requests.
    const still = await fetch(`${service.url}/v1/images/${image.id}`, { headers: bearer(acme) });
    expect(((await still.json()) as ImageJson).status).toBe('done');
  });

  it('with the key, a spelling the router decodes is served in the key tenant', async () => {
    const listed = await rawRequest(service.url, head('GET', '/%761/images', bearer(acme)));
    expect(listed.status).toBe(200);
    expect((JSON.parse(listed.body) as { items: ImageJson[] }).items.map((i) => i.id)).toEqual([image.id]);
  });

  it('a signature covers the canonical path: an odd spelling of the same thumbnail works, of another does not', async () => {
    const signed = (await (
      await fetch(`${service.url}/v1/images/${image.id}?signed=true`, { headers: bearer(acme) })
    ).json()) as ImageJson;
    const url = new URL(signed.links.thumbnails.small ?? '', service.url);
    const query = url.search;
    expect((await rawRequest(service.url, head('GET', `${url.pathname}${query}`))).status).toBe(200);
    expect(
      (await rawRequest(service.url, head('GET', `/%761/images/${image.id}/thumbnails/small${query}`))).status,
    ).toBe(200);
    const other = await rawRequest(service.url, head('GET', `/v1/images/${image.id}/thumbnails/%6dedium${query}`));
    expect(other.status).toBe(403);
    expect(other.code).toBe('TS_BAD_SIGNATURE');
    // The signature never opens the image itself, however it is spelled.
    expect((await rawRequest(service.url, head('GET', `/%761/images/${image.id}${query}`))).status).toBe(401);
  });
});
