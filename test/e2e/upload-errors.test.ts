import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { head, rawRequest } from '../security/raw-http.js';
import { type EmbeddedServer, startEmbeddedServer } from '../support/embedded-runtime.js';
import { upload } from '../support/http.js';

const MAX_UPLOAD_BYTES = 200_000;
/** The whole service in this process, serving HTTP on a free port: these answers need no process of their own. */
let service: EmbeddedServer;

beforeAll(async () => {
  service = await startEmbeddedServer({ env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
});
afterAll(() => service?.stop());

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function expectNothingLeftBehind() {
  const db = new Database(join(service.dataDir, 'thumbsmith.db'), { readonly: true, fileMustExist: true });
  try {
    expect(db.prepare('select count(*) as n from images').get()).toEqual({ n: 0 });
  } finally {
    db.close();
  }
  expect(await filesUnder(join(service.dataDir, 'blobs'))).toEqual([]);
  expect(await filesUnder(join(service.dataDir, 'tmp'))).toEqual([]);
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:thumbsmith:error:${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('rejected uploads: the right status and code, nothing left behind, the server keeps serving', () => {
  it('400 TS_FILE_MISSING when the multipart field is not "file"', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    await expectProblem(await upload(service.url, png, { field: 'image' }), 400, 'TS_FILE_MISSING');
  });

  it('400 TS_FILE_MISSING for a multipart body without a file; 400 TS_VALIDATION for JSON without a url', async () => {
    const form = new FormData();
    form.append('callback_url', 'https://hooks.example/x');
    await expectProblem(
      await fetch(`${service.url}/v1/images`, { method: 'POST', body: form }),
      400,
      'TS_FILE_MISSING',
    );
    const json = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const body = await expectProblem(json, 400, 'TS_VALIDATION');
    expect(body.detail).toContain('"url"');
  });

  it('413 TS_UPLOAD_TOO_LARGE, counted while streaming (no Content-Length), and the client reads the answer', async () => {
    const noise = await sharp(Buffer.from(Array.from({ length: 300 * 300 * 3 }, (_, i) => (i * 7919) % 251)), {
      raw: { width: 300, height: 300, channels: 3 },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(noise.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
    const form = new FormData();
    form.append('file', new Blob([noise]), 'big.png');
    const encoded = new Request('http://x/', { method: 'POST', body: form });
    const chunked = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type') ?? '' },
      body: encoded.body,
      duplex: 'half',
    } as RequestInit);
    const body = await expectProblem(chunked, 413, 'TS_UPLOAD_TOO_LARGE');
    expect(body.limit).toBe(MAX_UPLOAD_BYTES);
  });

  it('413 TS_UPLOAD_TOO_LARGE at once for a declared Content-Length over the limit, before any body byte', async () => {
    const answer = await rawRequest(
      service.url,
      head('POST', '/v1/images', {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(200 * 1024 * 1024),
      }),
    );
    expect(answer.status).toBe(413);
    expect(answer.code).toBe('TS_UPLOAD_TOO_LARGE');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('415 TS_UNSUPPORTED_MEDIA for text renamed .jpg and for zero bytes', async () => {
    await expectProblem(
      await upload(service.url, Buffer.from('<html><body>not an image</body></html>'), {
        filename: 'x.jpg',
        contentType: 'image/jpeg',
      }),
      415,
      'TS_UNSUPPORTED_MEDIA',
    );
    await expectProblem(
      await upload(service.url, Buffer.alloc(0), { filename: 'empty.jpg' }),
      415,
      'TS_UNSUPPORTED_MEDIA',
    );
  });

  it('422 TS_IMAGE_CORRUPT when the header cannot be read', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    await expectProblem(
      await upload(service.url, png.subarray(0, 20), { filename: 'cut.png' }),
      422,
      'TS_IMAGE_CORRUPT',
    );
  });

  it('malformed multipart bodies are 4xx with a code, never 5xx', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } })
      .jpeg()
      .toBuffer();
    const part = (boundary: string, name: string, bytes: Buffer | string) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="a.jpg"\r\n` +
            'content-type: image/jpeg\r\n\r\n',
        ),
        Buffer.from(bytes),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    const whole = part('b0undary', 'file', jpeg);
    const cases: Array<[string, string, Buffer]> = [
      ['no boundary', 'multipart/form-data', whole],
      ['an empty boundary', 'multipart/form-data; boundary=', whole],
      [
        'a boundary over 70 characters',
        `multipart/form-data; boundary=${'b'.repeat(300)}`,
        part('b'.repeat(300), 'file', jpeg),
      ],
      ['another boundary than the body uses', 'multipart/form-data; boundary=other', whole],
      ['a truncated body', 'multipart/form-data; boundary=b0undary', whole.subarray(0, whole.length - 40)],
      [
        'part headers without their end',
        'multipart/form-data; boundary=b0undary',
        Buffer.from('--b0undary\r\ncontent-disposition: form-data; name="file"'),
      ],
      ['garbage', 'multipart/form-data; boundary=b0undary', Buffer.from('\u0000\u0001garbage\r\n\r\n--')],
      ['a part with no name', 'multipart/form-data; boundary=b0undary', part('b0undary', '', jpeg)],
      [
        'two files',
        'multipart/form-data; boundary=b0undary',
        Buffer.concat([part('b0undary', 'file', jpeg).subarray(0, -14), part('b0undary', 'file', jpeg)]),
      ],
      ['an unknown content type', 'multipart/mixed; boundary=b0undary', whole],
      ['a form-urlencoded body', 'application/x-www-form-urlencoded', Buffer.from('file=abc')],
    ];
    for (const [what, type, body] of cases) {
      const response = await fetch(`${service.url}/v1/images`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      const problem = (await response.json()) as { code: string };
      expect({ what, status: response.status >= 400 && response.status < 500, code: problem.code }).toEqual({
        what,
        status: true,
        code: expect.stringMatching(/^TS_(VALIDATION|FILE_MISSING|UNSUPPORTED_MEDIA|IMAGE_CORRUPT)$/),
      });
    }
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it('leaves no row, no blob and no temp file, and keeps serving', async () => {
    await expectNothingLeftBehind();
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it('404 for an unknown image id and an unknown preset', async () => {
    await expectProblem(await fetch(`${service.url}/v1/images/img_00000000000000000000000000`), 404, 'TS_NOT_FOUND');
    await expectProblem(await fetch(`${service.url}/v1/images/not-an-id`), 404, 'TS_NOT_FOUND');
    await expectProblem(
      await fetch(`${service.url}/v1/images/img_00000000000000000000000000/thumbnails/small`),
      404,
      'TS_NOT_FOUND',
    );
  });
});
