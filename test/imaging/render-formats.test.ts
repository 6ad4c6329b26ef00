import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRESETS, withVersion } from '../../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, type RenderedVariant, render } from '../../src/imaging/index.js';
import {
  makeAnimatedGif,
  makeAvif,
  makeBmp,
  makeGif,
  makeJpeg,
  makePng,
  makeTiff,
  makeWebp,
  readHeicFixture,
} from '../support/images.js';

const presets = DEFAULT_PRESETS.map(withVersion);
const limits = DEFAULT_IMAGING_LIMITS;

/** small 150, medium 400, large 800, fit inside, never enlarged. */
const LANDSCAPE_1000x700 = [
  [150, 105],
  [400, 280],
  [800, 560],
];

function sizes(variants: RenderedVariant[]): number[][] {
  return variants.map((v) => [v.width, v.height]);
}

/** Checks the reported size against the encoded bytes and the format against the magic the bytes carry. */
async function expectConsistent(variants: RenderedVariant[]): Promise<void> {
  for (const variant of variants) {
    const metadata = await sharp(variant.data).metadata();
    expect([metadata.width, metadata.height]).toEqual([variant.width, variant.height]);
    expect(metadata.format === 'heif' ? 'avif' : metadata.format).toBe(variant.format);
    expect(variant.contentType).toBe(`image/${variant.format}`);
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'thumbsmith-render-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('render: default presets for every input format', () => {
  const cases: Array<[string, () => Promise<Buffer> | Buffer, number[][], string]> = [
    ['baseline JPEG', () => makeJpeg(), LANDSCAPE_1000x700, 'jpeg'],
    ['progressive JPEG', () => makeJpeg({ progressive: true }), LANDSCAPE_1000x700, 'jpeg'],
    ['CMYK JPEG', () => makeJpeg({ cmyk: true }), LANDSCAPE_1000x700, 'jpeg'],
    ['greyscale JPEG', () => makeJpeg({ grayscale: true }), LANDSCAPE_1000x700, 'jpeg'],
    [
      'portrait JPEG',
      () => makeJpeg({ width: 700, height: 1000 }),
      LANDSCAPE_1000x700.map(([w, h]) => [h!, w!]),
      'jpeg',
    ],
    ['8-bit PNG', () => makePng(), LANDSCAPE_1000x700, 'jpeg'],
    ['16-bit PNG', () => makePng({ bitDepth16: true }), LANDSCAPE_1000x700, 'jpeg'],
    ['16-bit greyscale PNG', () => makePng({ bitDepth16: true, grayscale: true }), LANDSCAPE_1000x700, 'jpeg'],
    ['palette PNG', () => makePng({ palette: true }), LANDSCAPE_1000x700, 'jpeg'],
    ['PNG with alpha', () => makePng({ alpha: true }), LANDSCAPE_1000x700, 'webp'],
    ['lossy WebP', () => makeWebp(), LANDSCAPE_1000x700, 'jpeg'],
    ['lossless WebP with alpha', () => makeWebp({ lossless: true, alpha: true }), LANDSCAPE_1000x700, 'webp'],
    ['GIF (opaque)', () => makeGif(), LANDSCAPE_1000x700, 'jpeg'],
    ['TIFF', () => makeTiff(), LANDSCAPE_1000x700, 'jpeg'],
    ['AVIF', () => makeAvif(), LANDSCAPE_1000x700, 'jpeg'],
    ['BMP 24-bit', () => makeBmp(), LANDSCAPE_1000x700, 'jpeg'],
    ['BMP 8-bit palette, top-down', () => makeBmp({ bitsPerPixel: 8, topDown: true }), LANDSCAPE_1000x700, 'jpeg'],
    ['BMP 32-bit with alpha', () => makeBmp({ bitsPerPixel: 32, alpha: true }), LANDSCAPE_1000x700, 'webp'],
    [
      'HEIC',
      () => readHeicFixture(),
      [
        [150, 113],
        [320, 240],
        [320, 240],
      ],
      'jpeg',
    ],
  ];

  for (const [name, make, expected, format] of cases) {
    it(`${name} -> ${expected.map(([w, h]) => `${w}x${h}`).join(', ')} ${format}`, async () => {
      const variants = await render({ buffer: await make() }, presets, limits);
      expect(variants.map((v) => v.preset.name)).toEqual(['small', 'medium', 'large']);
      expect(sizes(variants)).toEqual(expected);
      expect(variants.map((v) => v.format)).toEqual([format, format, format]);
      await expectConsistent(variants);
    });
  }

  it('animated GIF and WebP render their first frame by default', async () => {
    for (const buffer of [await makeAnimatedGif(), await makeWebp({ animated: true })]) {
      const variants = await render({ buffer }, presets, limits);
      expect(sizes(variants)).toEqual([
        [150, 90],
        [200, 120],
        [200, 120],
      ]);
      for (const variant of variants) {
        const metadata = await sharp(variant.data).metadata();
        expect(metadata.pages ?? 1).toBe(1);
        // First frame is red.
        const { data } = await sharp(variant.data).raw().toBuffer({ resolveWithObject: true });
        expect(data[0]).toBeGreaterThan(200);
        expect(data[1]).toBeLessThan(40);
      }
    }
  });

  it('never enlarges a small image', async () => {
    const variants = await render({ buffer: await makeJpeg({ width: 120, height: 90 }) }, presets, limits);
    expect(sizes(variants)).toEqual([
      [120, 90],
      [120, 90],
      [120, 90],
    ]);
  });

  it('reads from a file path the same as from a buffer', async () => {
    const buffer = await makeJpeg();
    const path = join(dir, 'input.bin');
    await writeFile(path, buffer);
    const fromPath = await render({ path }, presets, limits);
    const fromBuffer = await render({ buffer }, presets, limits);
    expect(fromPath.map((v) => v.data)).toEqual(fromBuffer.map((v) => v.data));
  });

  it('returns each variant with the preset (and version) that made it', async () => {
    const variants = await render({ buffer: await makeJpeg({ width: 300, height: 200 }) }, presets, limits);
    expect(variants.map((v) => v.preset)).toEqual(presets);
    expect(variants.map((v) => v.preset.version)).toEqual(presets.map((p) => p.version));
    expect(new Set(presets.map((p) => p.version)).size).toBe(3);
  });

  it('renders an empty preset list to no variants', async () => {
    expect(await render({ buffer: await makeJpeg({ width: 30, height: 20 }) }, [], limits)).toEqual([]);
  });
});
