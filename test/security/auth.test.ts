import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPath } from '../../src/domain/signed-url.js';
import {
  createApiKey,
  type EmbeddedRuntime,
  openEmbeddedRuntime,
  startEmbeddedServer,
} from '../support/embedded-runtime.js';
import type { ImageJson } from '../support/http.js';
import { makeJpeg } from '../support/images.js';
import { keysCli } from '../support/keys.js';
import { waitFor } from '../support/wait.js';
import { uploadInOneWrite } from './one-write-upload.js';

const SECRET = 'k'.repeat(40);
const OLD_SECRET = 'o'.repeat(40);
const ORIGIN = 'https://app.example.com';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys, tenants, signed URLs, security headers (in process, on a real socket)', () => {
  let dataDir: string;
  let embedded: EmbeddedRuntime;
  let service: { url: string };
  let acme: string;
  let betaRead: string;
  let betaUpload: string;
  let revoked: string;
  let image: ImageJson;

  const api = (path: string, init: RequestInit = {}) => fetch(`${service.url}${path}`, init);
  const uploadAs = async (key: string | undefined, filename = 'holiday photo".jpg', size = 320) => {
    const form = new FormData();
    form.append('file', new Blob([await makeJpeg({ width: size, height: size })]), filename);
    return api('/v1/images', { method: 'POST', body: form, headers: key ? bearer(key) : {} });
  };
  const refusedUpload = async (key: string | undefined) => {
    const answer = await uploadInOneWrite(service.url, await makeJpeg({ width: 8, height: 8 }), key ? bearer(key) : {});
    return { status: answer.status, code: answer.body.code, auth: String(answer.headers['www-authenticate'] ?? '') };
  };

  beforeAll(async () => {
    embedded = await openEmbeddedRuntime({
      SIGNING_KEYS: `new:${SECRET},old:${OLD_SECRET}`,
      CORS_ORIGINS: ORIGIN,
      PRESETS: 'small:64,medium:128',
    });
    dataDir = embedded.dataDir;
    acme = await createApiKey(embedded.runtime, 'acme', ['upload', 'read']);
    betaRead = await createApiKey(embedded.runtime, 'beta', ['read']);
    betaUpload = await createApiKey(embedded.runtime, 'beta', ['upload', 'read']);
    revoked = await createApiKey(embedded.runtime, 'gamma', ['admin']);
    // Revoked by the operator's command, on the same database, before the server starts.
    const revokedId = revoked.split('_')[1] ?? '';
    const { stdout } = await keysCli(dataDir, 'revoke', revokedId);
    expect(stdout).toContain(`revoked ${revokedId}`);
    service = { url: await embedded.serve() };
    const response = await uploadAs(acme);
    expect(response.status).toBe(202);
    const id = ((await response.json()) as ImageJson).id;
    image = await waitFor(
      'the image to be done',
      async () => {
        const answer = (await (await api(`/v1/images/${id}`, { headers: bearer(acme) })).json()) as ImageJson;
        return answer.status === 'done' && answer;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(image.status).toBe('done');
  }, 90_000);

  afterAll(() => embedded?.close());

  it('keys list shows ids, tenants and the revoked state, never a key', async () => {
    const { stdout } = await keysCli(dataDir, 'list');
    expect(stdout).toContain('acme');
    expect(stdout).toMatch(/gamma\s+admin\s+.*revoked/);
    for (const key of [acme, betaRead, betaUpload, revoked]) {
      expect(stdout).toContain(key.split('_')[1]);
      expect(stdout).not.toContain(key);
    }
    await expect(keysCli(dataDir, 'revoke', 'nokey000')).rejects.toThrow(/no active key/);
    await expect(keysCli(dataDir, 'create', '--tenant', 'Bad Name')).rejects.toThrow(/--tenant/);
  });

  it('missing, malformed, unknown and revoked keys get 401 with WWW-Authenticate', async () => {
    const forged = `${acme.slice(0, 12)}${'A'.repeat(43)}`;
    for (const headers of [
      {},
      { authorization: acme },
      { authorization: 'Basic Zm9vOmJhcg==' },
      bearer('ts_bad'),
      bearer(forged),
      bearer(revoked),
    ]) {
      const response = await api(`/v1/images/${image.id}`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await response.json()) as { code: string }).code).toBe('TS_UNAUTHORIZED');
    }
    expect(await refusedUpload(undefined)).toEqual({
      status: 401,
      code: 'TS_UNAUTHORIZED',
      auth: 'Bearer realm="thumbsmith"',
    });
    expect((await api('/v1/images', { headers: bearer(revoked) })).status).toBe(401);
  });

  it('health, metrics and docs stay open', async () => {
    expect((await api('/healthz')).status).toBe(200);
    expect((await api('/metrics')).status).toBe(200);
    expect((await api('/docs/json')).status).toBe(200);
  });

  it('a key without the route scope gets 403 TS_FORBIDDEN', async () => {
    expect(await refusedUpload(betaRead)).toMatchObject({ status: 403, code: 'TS_FORBIDDEN' });
    const own = (await (await uploadAs(betaUpload)).json()) as ImageJson;
    const del = await api(`/v1/images/${own.id}`, { method: 'DELETE', headers: bearer(betaRead) });
    expect(del.status).toBe(403);
    expect((await api(`/v1/images/${own.id}`, { headers: bearer(betaRead) })).status).toBe(200);
  });

  it("another tenant's image answers exactly like an unknown one: read, thumbnail, list, delete, retry", async () => {
    const unknownId = image.id.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
    const strip = (body: Record<string, unknown>, id: string) =>
      JSON.stringify({ ...body, instance: undefined, requestId: undefined }).replaceAll(id, 'ID');
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/thumbnails/small'],
      ['DELETE', ''],
      ['POST', '/retry'],
    ] as const) {
      const other = await api(`/v1/images/${image.id}${suffix}`, { method, headers: bearer(betaUpload) });
      const unknown = await api(`/v1/images/${unknownId}${suffix}`, { method, headers: bearer(betaUpload) });
      expect(other.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(strip((await other.json()) as Record<string, unknown>, image.id)).toBe(
        strip((await unknown.json()) as Record<string, unknown>, unknownId),
      );
    }
    const list = (await (await api('/v1/images?limit=100', { headers: bearer(betaRead) })).json()) as {
      items: ImageJson[];
    };
    expect(list.items.map((i) => i.id)).not.toContain(image.id);
    const acmeList = (await (await api('/v1/images?limit=100', { headers: bearer(acme) })).json()) as {
      items: ImageJson[];
    };
    expect(acmeList.items.map((i) => i.id)).toEqual([image.id]);
    // The delete attempt by beta removed nothing.
    expect((await api(`/v1/images/${image.id}`, { headers: bearer(acme) })).status).toBe(200);
  });

  it('?signed=true returns signed thumbnail URLs that work without a key; tampering is refused', async () => {
    const signed = (await (
      await api(`/v1/images/${image.id}?signed=true`, { headers: bearer(acme) })
    ).json()) as ImageJson;
    const url = signed.variants.find((v) => v.preset === 'small')?.url ?? '';
    expect(url).toMatch(/\?exp=\d+&kid=new&sig=[A-Za-z0-9_-]{43}$/);
    expect(signed.links.thumbnails.medium).toContain('kid=new');
    const page = (await (await api('/v1/images?signed=true', { headers: bearer(acme) })).json()) as {
      items: ImageJson[];
    };
    expect(page.items[0]?.variants[0]?.url).toMatch(/&kid=new&sig=/);
    const unsigned = (await (await api(`/v1/images/${image.id}`, { headers: bearer(acme) })).json()) as ImageJson;
    expect(unsigned.variants[0]?.url).not.toContain('sig=');
    const ok = await api(url);
    expect(ok.status).toBe(200);
    const meta = await sharp(Buffer.from(await ok.arrayBuffer())).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('content-disposition')).toMatch(/^inline; filename="holiday_photo[A-Za-z0-9_]*-small\.jpg"$/);
    // The immutable URL is signed too, keeping its ?v=.
    expect((await api(signed.variants[0]?.immutableUrl ?? '')).status).toBe(200);

    const params = new URL(url, service.url).searchParams;
    const path = `/v1/images/${image.id}/thumbnails/small`;
    const exp = Number(params.get('exp'));
    const bad = async (target: string) => {
      const response = await api(target);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('TS_BAD_SIGNATURE');
    };
    const sig = params.get('sig') ?? '';
    await bad(`${path}?exp=${exp}&kid=new&sig=${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`); // tampered
    await bad(`/v1/images/${image.id}/thumbnails/medium?exp=${exp}&kid=new&sig=${sig}`); // other path
    await bad(`${path}?exp=${exp + 1}&kid=new&sig=${sig}`); // longer life
    await bad(
      `${path}?${signPath(path, Math.floor(Date.now() / 1000) - 5, { id: 'new', secret: Buffer.from(SECRET) })}`,
    ); // expired
    await bad(`${path}?${signPath(path, exp, { id: 'new', secret: Buffer.from('x'.repeat(40)) })}`); // wrong key
    await bad(`${path}?${signPath(path, exp, { id: 'gone', secret: Buffer.from(SECRET) })}`); // unknown kid
    await bad(`${path}?exp=${exp}&kid=new`); // no signature
    // The older key still verifies (rotation).
    expect((await api(`${path}?${signPath(path, exp, { id: 'old', secret: Buffer.from(OLD_SECRET) })}`)).status).toBe(
      200,
    );
    // A signature opens the thumbnail only, not the image JSON.
    expect((await api(`/v1/images/${image.id}?${params.toString()}`)).status).toBe(401);
  });

  it('nosniff on every answer, CORS for the configured origin only', async () => {
    expect((await api('/healthz')).headers.get('x-content-type-options')).toBe('nosniff');
    expect((await api('/v1/images')).headers.get('x-content-type-options')).toBe('nosniff');
    const preflight = (origin: string) =>
      api('/v1/images', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const get = await api(`/v1/images/${image.id}`, { headers: { ...bearer(acme), origin: 'https://evil.example' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const getOk = await api(`/v1/images/${image.id}`, { headers: { ...bearer(acme), origin: ORIGIN } });
    expect(getOk.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('no route serves the original upload back', async () => {
    const routes = ((await (await api('/docs/json')).json()) as { paths: Record<string, unknown> }).paths;
    expect(Object.keys(routes).filter((p) => /original|raw|source|download/i.test(p))).toEqual([]);
    expect((await api(`/v1/images/${image.id}/original`, { headers: bearer(acme) })).status).toBe(404);
  });
});

describe('an open API on a public address', () => {
  it('warns loudly when HOST is not loopback and no key exists', async () => {
    const service = await startEmbeddedServer({ role: 'api', env: { HOST: '0.0.0.0', LOG_LEVEL: 'info' } });
    try {
      const warning = service.logs.find((l) => l.level === 40 && String(l.msg).includes('no API key'));
      expect(warning?.host).toBe('0.0.0.0');
    } finally {
      await service.stop();
    }
  }, 60_000);
});
