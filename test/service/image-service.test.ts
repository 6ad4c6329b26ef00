import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRuntime, openEmbeddedRuntime, runRenderJob, submitBytes } from '../support/embedded-runtime.js';
import { makeJpeg, makePng, pngDeclaring } from '../support/images.js';

const MAX_UPLOAD_BYTES = 100_000;

/** An incompressible PNG of side × side pixels (about 3 × side² bytes). */
function noisePng(side: number): Promise<Buffer> {
  const pixels = Buffer.from(Array.from({ length: side * side * 3 }, (_, i) => (i * 7919) % 251));
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('ImageService on the embedded adapters (no process, no HTTP)', () => {
  let embedded: EmbeddedRuntime;

  beforeAll(async () => {
    embedded = await openEmbeddedRuntime({
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      MAX_INPUT_PIXELS: '1000000',
      PRESETS: 'small:32,medium:64',
    });
  });
  afterAll(() => embedded?.close());

  it('accepts an upload: a queued row with its probed original, stored once, and its render job enqueued', async () => {
    const { service, queue } = embedded.runtime;
    const waitingBefore = (await queue.counts()).waiting;
    const image = await submitBytes(embedded.runtime, await makeJpeg({ width: 120, height: 80 }), {
      tenant: 'acme',
      filename: '../holiday.jpg',
    });
    expect(image).toMatchObject({
      tenant: 'acme',
      status: 'queued',
      original: { format: 'jpeg', width: 120, height: 80, filename: 'holiday.jpg' },
      variants: [],
    });
    expect(await service.getImage(image.id, 'acme')).toEqual(image);
    expect((await queue.counts()).waiting).toBe(waitingBefore + 1);
    expect(await embedded.runtime.blobs.stat(image.original?.key ?? '')).toMatchObject({
      bytes: image.original?.bytes,
    });
  });

  it("answers another tenant's image and an unknown id alike: TS_NOT_FOUND", async () => {
    const { service } = embedded.runtime;
    const image = await submitBytes(embedded.runtime, await makeJpeg({ width: 40, height: 40 }), { tenant: 'acme' });
    await expect(service.getImage(image.id, 'beta')).rejects.toMatchObject({ code: 'TS_NOT_FOUND' });
    await expect(service.getImage('img_00000000000000000000000000')).rejects.toMatchObject({ code: 'TS_NOT_FOUND' });
  });

  it('refuses what breaks a limit or is no image, leaving no row, no blob and no temp file', async () => {
    const { runtime, dataDir } = embedded;
    const before = await runtime.lifecycle.list('limits', { limit: 10 });
    const big = await noisePng(300);
    expect(big.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
    const refusals = [
      [big, 'TS_UPLOAD_TOO_LARGE'],
      [pngDeclaring(2000, 2000), 'TS_IMAGE_TOO_MANY_PIXELS'],
      [Buffer.from('<html>not an image</html>'), 'TS_UNSUPPORTED_MEDIA'],
      [Buffer.alloc(0), 'TS_UNSUPPORTED_MEDIA'],
      [(await makePng({ width: 64, height: 64 })).subarray(0, 20), 'TS_IMAGE_CORRUPT'],
    ] as const;
    const blobsBefore = await filesUnder(join(dataDir, 'blobs'));
    for (const [bytes, code] of refusals) {
      await expect(submitBytes(runtime, bytes, { tenant: 'limits' })).rejects.toMatchObject({ code });
    }
    expect(await runtime.lifecycle.list('limits', { limit: 10 })).toEqual(before);
    expect(await filesUnder(join(dataDir, 'blobs'))).toEqual(blobsBefore);
    expect(await filesUnder(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('dedups content: the same bytes again are done at once with the same variants, and no job', async () => {
    const { runtime } = embedded;
    const bytes = await makeJpeg({ width: 200, height: 150, colour: [10, 120, 200] });
    const first = await submitBytes(runtime, bytes, { tenant: 'dedup' });
    await runRenderJob(runtime, first.id);
    const rendered = await runtime.service.getImage(first.id);
    expect(rendered.status).toBe('done');

    const waitingBefore = (await runtime.queue.counts()).waiting;
    const second = await submitBytes(runtime, bytes, { tenant: 'dedup' });
    expect(second.id).not.toBe(first.id);
    expect(second.status).toBe('done');
    expect(second.variants.map((v) => v.key).sort()).toEqual(rendered.variants.map((v) => v.key).sort());
    expect(second.original?.key).toBe(rendered.original?.key);
    expect((await runtime.queue.counts()).waiting).toBe(waitingBefore);
    // Another tenant's same bytes are its own content: stored and rendered again.
    const other = await submitBytes(runtime, bytes, { tenant: 'other' });
    expect(other.status).toBe('queued');
    expect(other.original?.key).not.toBe(rendered.original?.key);
  });
});
