/**
 * Refusals say what would have been accepted, in the detail and (for uploads) as a list a program can read; the
 * lists come from the code's own (the input formats, the schema's enums), so they cannot drift from what is taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { IMAGE_STATUSES, INPUT_FORMATS } from '../../src/domain/image.js';
import { DEFAULT_IMAGING_LIMITS } from '../../src/imaging/limits.js';
import { probe } from '../../src/imaging/probe.js';
import { openEmbeddedRuntime } from '../support/embedded-runtime.js';
import { type InjectFetch, injectableApp } from '../support/inject.js';

interface ProblemJson {
  status: number;
  code: string;
  detail: string;
  acceptedFormats?: string[];
}

async function openApi(env: Record<string, string> = {}) {
  const embedded = await openEmbeddedRuntime(env);
  const api = await injectableApp(embedded.runtime, 'api');
  return {
    fetch: api.fetch,
    async close() {
      await api.close();
      await embedded.close();
    },
  };
}

const upload = async (fetch: InjectFetch, bytes: Uint8Array, name: string) => {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/jpeg' }), name);
  const response = await fetch('/v1/images', { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as ProblemJson };
};

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const TEXT = Buffer.from('just some words, not an image\n'.repeat(10));
const UNKNOWN = Buffer.from([0x00, 0x13, 0x37, 0xfe, 0xed, 0xfa, 0xce, 0x01, 0x02, 0x03, 0x04, 0x05]);
const PSD = Buffer.concat([Buffer.from('8BPS'), Buffer.alloc(60)]);

describe('refusals list what is allowed (injected into the app)', () => {
  let api: Awaited<ReturnType<typeof openApi>>;
  beforeAll(async () => {
    api = await openApi();
  });
  afterAll(() => api?.close());

  const withoutSvg = INPUT_FORMATS.filter((format) => format !== 'svg');

  it.each([
    ['a PDF', PDF],
    ['text', TEXT],
    ['unknown bytes', UNKNOWN],
    ['an empty file', Buffer.alloc(0)],
  ])('an upload of %s is 415 naming every accepted format (SVG only when allowed)', async (_what, bytes) => {
    const { status, body } = await upload(api.fetch, bytes, 'picture.jpg');
    expect(status).toBe(415);
    expect(body.code).toBe('TS_UNSUPPORTED_MEDIA');
    expect(body.acceptedFormats).toEqual(withoutSvg);
    expect(body.detail).toContain(`accepted formats: ${withoutSvg.join(', ')}.`);
    expect(body.detail).not.toContain('svg');
  });

  it('a recognised container Thumbsmith does not read (PSD) is refused with the same list', async () => {
    const { status, body } = await upload(api.fetch, PSD, 'layers.psd');
    expect(status).toBe(415);
    expect(body).toMatchObject({ code: 'TS_UNSUPPORTED_MEDIA', acceptedFormats: withoutSvg });
    // The probe (which also checks what a worker fetched for an upload by URL) names the container it recognised.
    const probed = await probe({ buffer: PSD }, DEFAULT_IMAGING_LIMITS).catch((error: unknown) => error);
    expect(probed).toBeInstanceOf(ThumbsmithError);
    expect(probed).toMatchObject({ code: 'TS_UNSUPPORTED_FORMAT', extensions: { acceptedFormats: withoutSvg } });
    expect((probed as ThumbsmithError).detail).toBe(
      `psd images are not supported; accepted formats: ${withoutSvg.join(', ')}.`,
    );
  });

  it.each(['bogus', 'DONE', '', 'done,failed', 'x'.repeat(2000), '%00', 'queued%20'])(
    '?status=%s is 400 listing the statuses of the schema, never echoing the value',
    async (value) => {
      const response = await api.fetch(`/v1/images?status=${value}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ProblemJson;
      expect(body.code).toBe('TS_VALIDATION');
      expect(body.detail).toBe(`querystring/status must be one of: ${IMAGE_STATUSES.join(', ')}`);
    },
  );

  it('other validation errors keep their own wording, and a valid status still lists', async () => {
    const tooMany = (await (await api.fetch('/v1/images?limit=100000')).json()) as ProblemJson;
    expect(tooMany.detail).toMatch(/^querystring\/limit must be <= \d+$/);
    expect((await api.fetch('/v1/images?status=done')).status).toBe(200);
  });
});

describe('with ALLOW_SVG=true', () => {
  let api: Awaited<ReturnType<typeof openApi>>;
  beforeAll(async () => {
    api = await openApi({ ALLOW_SVG: 'true' });
  });
  afterAll(() => api?.close());

  it('the list of accepted formats names SVG too', async () => {
    const { status, body } = await upload(api.fetch, PDF, 'document.pdf');
    expect(status).toBe(415);
    expect(body.acceptedFormats).toEqual([...INPUT_FORMATS]);
    expect(body.detail).toContain(', svg.');
  });
});
