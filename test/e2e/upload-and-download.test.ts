import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, uploadOk, waitForFinal } from '../support/http.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';

let service: ServiceProcess;

beforeAll(async () => {
  service = await startService();
});
afterAll(async () => {
  await service?.stop();
  if (service) await removeDataDir(service.dataDir);
});

/** A photo-like JPEG carrying EXIF with GPS, as phones write them. */
async function photoJpeg(width: number, height: number, orientation?: number): Promise<Buffer> {
  const gradient = await sharp({
    create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } },
  })
    .composite([
      {
        input: await sharp({
          create: { width: Math.round(width / 2), height: Math.round(height / 2), channels: 3, background: '#1040c0' },
        })
          .png()
          .toBuffer(),
        left: 0,
        top: 0,
      },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
  return sharp(gradient)
    .withExif({
      IFD0: { Make: 'Thumbsmith', Model: 'TestCam', Copyright: 'test' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2964/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4044/100',
      },
    })
    .withMetadata(orientation ? { orientation } : {})
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function downloadAll(id: string, presets: string[]) {
  const out: Record<string, { response: Response; bytes: Buffer; meta: Metadata }> = {};
  for (const preset of presets) {
    const response = await download(service.url, id, preset);
    const bytes = Buffer.from(await response.arrayBuffer());
    out[preset] = { response, bytes, meta: await sharp(bytes).metadata() };
  }
  return out;
}

describe('upload -> queue -> thumbnails -> download (embedded default, real process)', () => {
  it('renders a JPEG photo into the three default presets with exact sizes, as JPEG, without metadata', async () => {
    const source = await photoJpeg(1600, 1200);
    expect((await sharp(source).metadata()).exif).toBeDefined();
    const accepted = await uploadOk(service.url, source, 'photo.jpg');
    expect(accepted.status).toBe('queued');
    expect(accepted.id).toMatch(/^img_[0-9a-z]{26}$/);
    const image = await waitForFinal(service.url, accepted.id);
    expect(image.status).toBe('done');
    expect(image.original).toMatchObject({ format: 'jpeg', width: 1600, height: 1200, bytes: source.length });
    const files = await downloadAll(image.id, ['small', 'medium', 'large']);
    const expected = { small: [150, 113], medium: [400, 300], large: [800, 600] } as const;
    for (const [preset, [width, height]] of Object.entries(expected)) {
      const file = files[preset]!;
      expect(file.response.status).toBe(200);
      expect(file.response.headers.get('content-type')).toBe('image/jpeg');
      expect(file.response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.response.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
      expect(file.response.headers.get('cache-control')).toMatch(/max-age=\d{6,}/);
      expect(file.meta).toMatchObject({ format: 'jpeg', width, height });
      expect(file.meta.exif).toBeUndefined();
      expect(file.meta.xmp).toBeUndefined();
      expect(file.bytes.includes(Buffer.from('Exif\0'))).toBe(false);
      expect(file.bytes.includes(Buffer.from('TestCam'))).toBe(false);
      const variant = image.variants.find((v) => v.preset === preset)!;
      expect(variant).toMatchObject({
        width,
        height,
        format: 'jpeg',
        contentType: 'image/jpeg',
        bytes: file.bytes.length,
      });
    }
  });

  it('turns a portrait photo with EXIF orientation 6 upright', async () => {
    // Stored 1200x800 (landscape); orientation 6 means "rotate 90° clockwise to display": a 800x1200 portrait.
    const source = await photoJpeg(1200, 800, 6);
    const accepted = await uploadOk(service.url, source, 'portrait.jpg');
    const image = await waitForFinal(service.url, accepted.id);
    expect(image.status).toBe('done');
    expect(image.original).toMatchObject({ width: 800, height: 1200 });
    const { large } = await downloadAll(image.id, ['large']);
    expect(large!.meta.height).toBe(800);
    expect(large!.meta.width).toBeGreaterThanOrEqual(533);
    expect(large!.meta.width).toBeLessThanOrEqual(534);
    expect(large!.meta.orientation).toBeUndefined();
    // The blue quadrant was top-left of the stored image; after a 90° clockwise turn it is top-right.
    const { data, info } = await sharp(large!.bytes).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const topRight = pixel(info.width - 20, 20);
    const topLeft = pixel(20, 20);
    expect(topRight[2]).toBeGreaterThan(150);
    expect(topLeft[0]).toBeGreaterThan(150);
  });

  it('keeps transparency: a PNG with alpha becomes WebP with alpha', async () => {
    const source = await sharp({
      create: { width: 1000, height: 500, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const accepted = await uploadOk(service.url, source, 'alpha.png');
    const image = await waitForFinal(service.url, accepted.id);
    expect(image.status).toBe('done');
    const files = await downloadAll(image.id, ['small', 'large']);
    expect(files.small!.response.headers.get('content-type')).toBe('image/webp');
    expect(files.small!.meta).toMatchObject({ format: 'webp', width: 150, height: 75, hasAlpha: true });
    expect(files.large!.meta).toMatchObject({ format: 'webp', width: 800, height: 400, hasAlpha: true });
  });

  it('never enlarges a small image', async () => {
    const source = await sharp({ create: { width: 120, height: 90, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const image = await waitForFinal(service.url, (await uploadOk(service.url, source)).id);
    for (const variant of image.variants) expect([variant.width, variant.height]).toEqual([120, 90]);
  });

  it('answers 304 to a matching If-None-Match and 409 with Retry-After before the image is ready', async () => {
    const source = await photoJpeg(1600, 1200);
    const accepted = await uploadOk(service.url, source);
    const early = await download(service.url, accepted.id, 'small');
    if (early.status !== 200) {
      expect(early.status).toBe(409);
      expect(early.headers.get('content-type')).toContain('application/problem+json');
      expect(early.headers.get('retry-after')).toBe('1');
      expect(((await early.json()) as { code: string }).code).toBe('TS_NOT_READY');
    }
    await waitForFinal(service.url, accepted.id);
    const first = await download(service.url, accepted.id, 'small');
    const etag = first.headers.get('etag')!;
    const unknownPreset = await download(service.url, accepted.id, 'huge');
    expect(unknownPreset.status).toBe(404);
    expect(((await unknownPreset.json()) as { code: string }).code).toBe('TS_PRESET_NOT_FOUND');
    const again = await fetch(`${service.url}/v1/images/${accepted.id}/thumbnails/small`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
  });

  it('serves the OpenAPI document and interactive docs', async () => {
    const doc = (await (await fetch(`${service.url}/docs/json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/images',
        '/v1/images/{id}',
        '/v1/images/{id}/thumbnails/{preset}',
        '/healthz',
        '/readyz',
      ]),
    );
    const ui = await fetch(`${service.url}/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('reports health and readiness of every dependency and the workers', async () => {
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ready');
    for (const name of ['database', 'queue', 'storage', 'workers']) expect(body.checks[name]?.ok).toBe(true);
  });
});
