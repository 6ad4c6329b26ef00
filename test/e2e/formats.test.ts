// Over 400 lines on purpose: one format table and its checks against one running service; split, each part would start
// its own.

/**
 * Every common input format through HTTP on a real `thumbsmith start`: upload, wait for `done`, download every preset,
 * then check sizes, formats, colours (a CMYK JPEG and a Display P3 PNG sampled against their sRGB colours) and that
 * no output carries metadata. Presets come from the README's own PRESETS examples.
 */
import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, type ImageJson, uploadOk, waitForFinal } from '../support/http.js';
import {
  colourDistance,
  METADATA_MARKERS,
  makeAnimatedGif,
  makeAvif,
  makeBmp,
  makeGif,
  makeJpeg,
  makePng,
  makeTiff,
  makeWebp,
  pixelAt,
  readHeicFixture,
} from '../support/images.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';

/** README example: the three seed defaults plus a 100x100 WebP square crop. */
const COMPACT_PRESETS = 'small:150,medium:400,large:800,square:100x100:cover:webp';
/** README JSON example (smart crop, quality), plus a preset that keeps animation. */
const JSON_PRESETS = JSON.stringify([
  { name: 'small', width: 150 },
  { name: 'square', width: 100, height: 100, fit: 'cover', gravity: 'attention', format: 'webp', quality: 82 },
  { name: 'loop', width: 100, format: 'webp', animated: true },
]);

let compact: ServiceProcess;
let json: ServiceProcess;

beforeAll(async () => {
  compact = await startService({ env: { PRESETS: COMPACT_PRESETS } });
});
afterAll(async () => {
  for (const s of [compact, json]) {
    if (!s) continue;
    await s.stop();
    await removeDataDir(s.dataDir);
  }
});

interface Downloaded {
  readonly bytes: Buffer;
  readonly contentType: string | null;
  readonly meta: Metadata;
}

async function fetchVariant(target: ServiceProcess, id: string, preset: string): Promise<Downloaded> {
  const response = await download(target.url, id, preset);
  expect(response.status, `${preset}: ${response.status}`).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { bytes, contentType: response.headers.get('content-type'), meta: await sharp(bytes).metadata() };
}

/** Uploads, waits for `done`, downloads every variant the image lists. */
async function roundTrip(target: ServiceProcess, bytes: Buffer, filename: string) {
  const accepted = await uploadOk(target.url, bytes, filename);
  const image = await waitForFinal(target.url, accepted.id);
  expect({ status: image.status, error: image.error }, filename).toEqual({ status: 'done', error: null });
  const files: Record<string, Downloaded> = {};
  for (const variant of image.variants) files[variant.preset] = await fetchVariant(target, image.id, variant.preset);
  return { image, files };
}

/** No EXIF, GPS, XMP, IPTC, comment or ICC profile, by metadata and by bytes. */
function expectNoMetadata(file: Downloaded, label: string): void {
  expect(
    {
      exif: file.meta.exif,
      xmp: file.meta.xmp,
      iptc: file.meta.iptc,
      icc: file.meta.icc,
      comments: file.meta.comments,
    },
    label,
  ).toEqual({ exif: undefined, xmp: undefined, iptc: undefined, icc: undefined, comments: undefined });
  for (const marker of [...METADATA_MARKERS, 'Exif\0\0', 'x:xmpmeta', 'ICC_PROFILE', 'iCCP', 'eXIf', 'GPS']) {
    expect(file.bytes.includes(marker), `${label} contains ${JSON.stringify(marker)}`).toBe(false);
  }
}

/** The format a downloaded file really is (AVIF reports as heif), matched against its Content-Type too. */
function expectFormat(file: Downloaded, format: string, label: string): void {
  expect(file.meta.format === 'heif' ? 'avif' : file.meta.format, label).toBe(format);
  expect(file.contentType, label).toBe(`image/${format}`);
}

interface FormatCase {
  readonly name: string;
  readonly filename: string;
  readonly make: () => Buffer | Promise<Buffer>;
  /** The original as the service records it. */
  readonly original: { format: string; width: number; height: number; frames?: number };
  /** The format of the default presets (`auto`: JPEG when opaque, WebP with alpha). */
  readonly output: 'jpeg' | 'webp';
}

/** Sources are 600x420: large (800) is then the source size, never enlarged. */
const SIZE = { width: 600, height: 420 } as const;

const FORMATS: readonly FormatCase[] = [
  {
    name: 'baseline JPEG with EXIF, GPS, XMP and a comment',
    filename: 'baseline.jpg',
    make: () => makeJpeg({ ...SIZE, metadata: true }),
    original: { format: 'jpeg', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'progressive JPEG',
    filename: 'progressive.jpg',
    make: () => makeJpeg({ ...SIZE, progressive: true }),
    original: { format: 'jpeg', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'CMYK JPEG',
    filename: 'cmyk.jpg',
    make: () => makeJpeg({ ...SIZE, cmyk: true }),
    original: { format: 'jpeg', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'greyscale JPEG',
    filename: 'grey.jpg',
    make: () => makeJpeg({ ...SIZE, grayscale: true }),
    original: { format: 'jpeg', ...SIZE },
    output: 'jpeg',
  },
  {
    name: '8-bit PNG with a P3 profile, EXIF and XMP',
    filename: 'rgb.png',
    make: () => makePng({ ...SIZE, metadata: true }),
    original: { format: 'png', ...SIZE },
    output: 'jpeg',
  },
  {
    name: '16-bit PNG',
    filename: 'deep.png',
    make: () => makePng({ ...SIZE, bitDepth16: true }),
    original: { format: 'png', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'palette PNG',
    filename: 'palette.png',
    make: () => makePng({ ...SIZE, palette: true }),
    original: { format: 'png', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'PNG with alpha',
    filename: 'alpha.png',
    make: () => makePng({ ...SIZE, alpha: true }),
    original: { format: 'png', ...SIZE },
    output: 'webp',
  },
  {
    name: 'lossy WebP',
    filename: 'lossy.webp',
    make: () => makeWebp(SIZE),
    original: { format: 'webp', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'lossless WebP',
    filename: 'lossless.webp',
    make: () => makeWebp({ ...SIZE, lossless: true }),
    original: { format: 'webp', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'WebP with alpha',
    filename: 'alpha.webp',
    make: () => makeWebp({ ...SIZE, alpha: true }),
    original: { format: 'webp', ...SIZE },
    output: 'webp',
  },
  {
    name: 'animated WebP (first frame)',
    filename: 'anim.webp',
    make: () => makeWebp({ animated: true }),
    original: { format: 'webp', width: 200, height: 120, frames: 3 },
    output: 'jpeg',
  },
  {
    name: 'static GIF',
    filename: 'still.gif',
    make: () => makeGif(SIZE),
    original: { format: 'gif', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'animated GIF (first frame)',
    filename: 'anim.gif',
    make: () => makeAnimatedGif(),
    original: { format: 'gif', width: 200, height: 120, frames: 3 },
    output: 'jpeg',
  },
  {
    name: 'TIFF',
    filename: 'scan.tiff',
    make: () => makeTiff(SIZE),
    original: { format: 'tiff', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'AVIF',
    filename: 'photo.avif',
    make: () => makeAvif(SIZE),
    original: { format: 'avif', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'BMP',
    filename: 'paint.bmp',
    make: () => makeBmp(SIZE),
    original: { format: 'bmp', ...SIZE },
    output: 'jpeg',
  },
  {
    name: 'HEIC',
    filename: 'IMG_0001.HEIC',
    make: () => readHeicFixture('quadrants'),
    original: { format: 'heif', width: 320, height: 240 },
    output: 'jpeg',
  },
];

/** Fit inside the box, aspect kept, never enlarged. */
function inside(width: number, height: number, box: number): [number, number] {
  const scale = Math.min(1, box / width, box / height);
  return [Math.round(width * scale), Math.round(height * scale)];
}

describe('every input format through HTTP, README compact presets (defaults + 100x100 WebP square)', () => {
  let results: Map<string, Awaited<ReturnType<typeof roundTrip>>>;

  beforeAll(async () => {
    const done = await Promise.all(
      FORMATS.map(async (c) => [c.name, await roundTrip(compact, await c.make(), c.filename)] as const),
    );
    results = new Map(done);
  }, 120_000);

  for (const c of FORMATS) {
    it(`${c.name}: small/medium/large as ${c.output}, square 100x100 WebP, no metadata`, () => {
      const { image, files } = results.get(c.name)!;
      expect(image.original).toMatchObject({ ...c.original, frames: c.original.frames ?? 1 });
      expect(image.variants.map((v) => v.preset)).toEqual(['small', 'medium', 'large', 'square']);
      for (const [preset, box] of [
        ['small', 150],
        ['medium', 400],
        ['large', 800],
      ] as const) {
        const [width, height] = inside(c.original.width, c.original.height, box);
        const file = files[preset]!;
        expect([file.meta.width, file.meta.height], preset).toEqual([width, height]);
        expect(file.meta.pages ?? 1, `${preset} is one frame`).toBe(1);
        expectFormat(file, c.output, preset);
        expect(image.variants.find((v) => v.preset === preset)).toMatchObject({
          width,
          height,
          format: c.output,
          bytes: file.bytes.length,
        });
      }
      expect([files.square!.meta.width, files.square!.meta.height]).toEqual([100, 100]);
      expectFormat(files.square!, 'webp', 'square');
      for (const [preset, file] of Object.entries(files)) expectNoMetadata(file, `${c.name} ${preset}`);
    });
  }

  it('the metadata-bearing inputs really carried EXIF/GPS/XMP/comment and a P3 profile', async () => {
    const jpeg = await makeJpeg({ metadata: true });
    const png = await makePng({ metadata: true });
    for (const marker of ['ThumbsmithCam', 'secret-owner', 'xmp-secret-creator', 'comment-secret']) {
      expect(jpeg.includes(marker), marker).toBe(true);
    }
    expect((await sharp(png).metadata()).icc).toBeInstanceOf(Buffer);
    expect((await sharp(jpeg).metadata()).exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true); // GPS IFD pointer
  });
});

describe('colours come out in sRGB', () => {
  it('a CMYK JPEG: the thumbnail pixel matches the sRGB colour (libvips reference within 4)', async () => {
    const colour = [180, 100, 70] as const; // inside the CMYK gamut
    const cmyk = await makeJpeg({ width: 400, height: 300, colour, cmyk: true });
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const { files } = await roundTrip(compact, cmyk, 'cmyk-flat.jpg');
    const reference = await pixelAt(await sharp(cmyk).toColourspace('srgb').png().toBuffer(), 200, 150);
    for (const preset of ['small', 'medium', 'square'] as const) {
      const file = files[preset]!;
      expect(file.meta.space, preset).toBe('srgb');
      const actual = await pixelAt(file.bytes, Math.floor(file.meta.width! / 2), Math.floor(file.meta.height! / 2));
      expect(colourDistance(actual, reference), `${preset} ${actual} vs ${reference}`).toBeLessThanOrEqual(4);
      expect(colourDistance(actual, colour), `${preset} ${actual} vs ${colour}`).toBeLessThanOrEqual(32);
    }
  });

  it('a Display P3 PNG: converted through its profile (within 6 of the sRGB colour; unconverted is >10 off)', async () => {
    const colour = [200, 60, 40] as const;
    const p3 = await makePng({ width: 400, height: 300, colour, metadata: true });
    const stored = await sharp(p3).keepIccProfile().raw().toBuffer();
    expect(colourDistance([...stored.subarray(0, 3)], colour)).toBeGreaterThan(10);
    const { files } = await roundTrip(compact, p3, 'p3.png');
    for (const preset of ['small', 'large', 'square'] as const) {
      const file = files[preset]!;
      const actual = await pixelAt(file.bytes, Math.floor(file.meta.width! / 2), Math.floor(file.meta.height! / 2));
      expect(colourDistance(actual, colour), `${preset} ${actual}`).toBeLessThanOrEqual(6);
      expectNoMetadata(file, `p3 ${preset}`);
    }
  });
});

describe('README JSON presets: smart-crop square with quality, and an animated WebP preset', () => {
  let byName: Map<string, ImageJson & { files: Record<string, Downloaded> }>;

  beforeAll(async () => {
    json = await startService({ env: { PRESETS: JSON_PRESETS } });
    const inputs: Array<[string, Buffer]> = [
      ['anim.gif', await makeAnimatedGif()],
      ['anim.webp', await makeWebp({ animated: true })],
      ['still.jpg', await makeJpeg({ metadata: true })],
    ];
    const done = await Promise.all(
      inputs.map(async ([filename, bytes]) => {
        const { image, files } = await roundTrip(json, bytes, filename);
        return [filename, { ...image, files }] as const;
      }),
    );
    byName = new Map(done);
  }, 120_000);

  it('square is exactly 100x100 WebP (cover, attention), small fits in 150', () => {
    for (const [name, image] of byName) {
      expect(
        image.variants.map((v) => v.preset),
        name,
      ).toEqual(['small', 'square', 'loop']);
      expect([image.files.square!.meta.width, image.files.square!.meta.height], name).toEqual([100, 100]);
      expectFormat(image.files.square!, 'webp', `${name} square`);
      expect(Math.max(image.files.small!.meta.width!, image.files.small!.meta.height!), name).toBeLessThanOrEqual(150);
      for (const [preset, file] of Object.entries(image.files)) expectNoMetadata(file, `${name} ${preset}`);
    }
  });

  it('the animated preset keeps every frame (3 frames of 100x60) for GIF and WebP input; other presets take frame 1', async () => {
    for (const name of ['anim.gif', 'anim.webp']) {
      const { files, variants } = byName.get(name)!;
      expectFormat(files.loop!, 'webp', `${name} loop`);
      // sharp reports an animated WebP's height per frame; the delays prove the frames are the animation's.
      const { pages, width, height, delay } = files.loop!.meta;
      expect({ pages, width, height, delay }, name).toEqual({
        pages: 3,
        width: 100,
        height: 60,
        delay: [100, 100, 100],
      });
      expect(
        variants.find((v) => v.preset === 'loop'),
        name,
      ).toMatchObject({ width: 100, height: 60 });
      // Frames red, green, blue, in order.
      for (const [page, colour] of [
        [0, [255, 0, 0]],
        [1, [0, 255, 0]],
        [2, [0, 0, 255]],
      ] as const) {
        const frame = await sharp(files.loop!.bytes, { page }).png().toBuffer();
        expect(colourDistance(await pixelAt(frame, 50, 30), colour), `${name} frame ${page}`).toBeLessThanOrEqual(8);
      }
      expect(files.small!.meta.pages ?? 1, `${name} small`).toBe(1);
      expect(files.square!.meta.pages ?? 1, `${name} square`).toBe(1);
    }
  });

  it('the animated preset on a still image is a still WebP', () => {
    const { files } = byName.get('still.jpg')!;
    expectFormat(files.loop!, 'webp', 'loop');
    expect(files.loop!.meta.pages ?? 1).toBe(1);
    expect([files.loop!.meta.width, files.loop!.meta.height]).toEqual([100, 70]);
  });

  it('each variant records its preset version: equal definitions agree across configs, changed ones differ', async () => {
    const still = await roundTrip(compact, await makeJpeg({ width: 300, height: 200 }), 'v.jpg');
    const version = (image: ImageJson, preset: string) =>
      image.variants.find((v) => v.preset === preset)!.presetVersion;
    const fromJson = byName.get('still.jpg')!;
    // `small:150` and {"name":"small","width":150} are the same definition.
    expect(version(still.image, 'small')).toBe(version(fromJson, 'small'));
    // The two squares differ in gravity and quality.
    expect(version(still.image, 'square')).not.toBe(version(fromJson, 'square'));
    expect(version(still.image, 'small')).toMatch(/^[0-9a-f]{12}$/);
  });
});
