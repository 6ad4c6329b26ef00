import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/domain/errors.js';
import { DEFAULT_IMAGING_LIMITS, type ImagingLimits, MAX_SVG_BYTES, probe } from '../../src/imaging/index.js';
import {
  gifDeclaring,
  gifWithFrames,
  makeAnimatedGif,
  makeAvif,
  makeBmp,
  makeJpeg,
  makePng,
  makeSvg,
  makeTiff,
  makeWebp,
  mp4Header,
  pngBomb,
  pngDeclaring,
  readHeicFixture,
} from '../support/images.js';

const limits = DEFAULT_IMAGING_LIMITS;
const svgLimits: ImagingLimits = { ...DEFAULT_IMAGING_LIMITS, allowSvg: true };

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'ThumbsmithError', code });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'thumbsmith-probe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probe: what the header says', () => {
  it('reads every supported format', async () => {
    const cases = [
      [await makeJpeg(), { format: 'jpeg', width: 1000, height: 700, frames: 1, hasAlpha: false, space: 'srgb' }],
      [await makePng({ alpha: true }), { format: 'png', width: 1000, height: 700, hasAlpha: true }],
      [await makeWebp(), { format: 'webp', width: 1000, height: 700, hasAlpha: false }],
      [await makeAnimatedGif(), { format: 'gif', width: 200, height: 120, frames: 3 }],
      [await makeWebp({ animated: true }), { format: 'webp', width: 200, height: 120, frames: 3 }],
      [await makeTiff(), { format: 'tiff', width: 1000, height: 700, frames: 1 }],
      [await makeAvif(), { format: 'avif', width: 1000, height: 700, frames: 1 }],
      [makeBmp(), { format: 'bmp', width: 1000, height: 700, frames: 1, hasAlpha: false }],
      [
        makeBmp({ bitsPerPixel: 32, alpha: true, topDown: true }),
        { format: 'bmp', width: 1000, height: 700, hasAlpha: true },
      ],
      [readHeicFixture(), { format: 'heif', width: 320, height: 240, frames: 1, hasAlpha: false }],
      [readHeicFixture('halfTransparent'), { format: 'heif', width: 64, height: 48, hasAlpha: true }],
    ] as const;
    for (const [buffer, expected] of cases) {
      expect(await probe({ buffer }, limits), expected.format).toMatchObject(expected);
    }
  });

  it('reports colour space and bit depth', async () => {
    expect((await probe({ buffer: await makeJpeg({ cmyk: true }) }, limits)).space).toBe('cmyk');
    expect((await probe({ buffer: await makeJpeg({ grayscale: true }) }, limits)).space).toBe('b-w');
    expect((await probe({ buffer: await makePng({ bitDepth16: true }) }, limits)).space).toBe('rgb16');
  });

  it('reports displayed dimensions for every EXIF orientation', async () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      const buffer = await makeJpeg({ width: 300, height: 200, orientation });
      expect(await probe({ buffer }, limits)).toMatchObject({ width: 300, height: 200, orientation });
    }
  });

  it('reads a file path like a buffer, ignoring its name', async () => {
    const path = join(dir, 'photo.gif'); // a JPEG named .gif
    await writeFile(path, await makeJpeg({ width: 64, height: 48 }));
    expect(await probe({ path }, limits)).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
  });

  it('reads an SVG (when allowed) after sanitising', async () => {
    expect(await probe({ buffer: makeSvg({ width: 300, height: 200 }) }, svgLimits)).toMatchObject({
      format: 'svg',
      width: 300,
      height: 200,
    });
  });

  it('never decodes pixels: a huge header with garbage pixel data probes fine when limits allow', async () => {
    const result = await probe({ buffer: pngDeclaring(20000, 20000) }, { ...limits, maxInputPixels: 1e9 });
    expect(result).toMatchObject({ format: 'png', width: 20000, height: 20000 });
  });
});

describe('probe: refusals', () => {
  it('zero bytes, text named .jpg, HTML and JSON are not images', async () => {
    const path = join(dir, 'notes.jpg');
    await writeFile(path, 'just some text, not a JPEG');
    await expectCode(probe({ buffer: Buffer.alloc(0) }, limits), 'TS_UNSUPPORTED_MEDIA');
    await expectCode(probe({ path }, limits), 'TS_UNSUPPORTED_MEDIA');
    await expectCode(probe({ buffer: Buffer.from('<!doctype html><title>x</title>') }, limits), 'TS_UNSUPPORTED_MEDIA');
    await expectCode(probe({ buffer: Buffer.from('{"a":1}') }, limits), 'TS_UNSUPPORTED_MEDIA');
  });

  it('an MP4 (ftyp isom) is not an image', async () => {
    await expectCode(probe({ buffer: mp4Header() }, limits), 'TS_UNSUPPORTED_MEDIA');
  });

  it('HTML first then JPEG is not an image; JPEG with trailing HTML is a JPEG', async () => {
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    const html = Buffer.from('<html><body><script>alert(1)</script></body></html>');
    await expectCode(probe({ buffer: Buffer.concat([html, jpeg]) }, limits), 'TS_UNSUPPORTED_MEDIA');
    expect(await probe({ buffer: Buffer.concat([jpeg, html]) }, limits)).toMatchObject({ format: 'jpeg', width: 64 });
  });

  it('recognised but unsupported containers', async () => {
    const jxl = Buffer.from([0xff, 0x0a, 0xfa, 0x7f, 0, 0, 0, 0]);
    await expectCode(probe({ buffer: jxl }, limits), 'TS_UNSUPPORTED_FORMAT');
    await expectCode(probe({ buffer: Buffer.from('8BPS\x00\x01\x00\x00') }, limits), 'TS_UNSUPPORTED_FORMAT');
  });

  it('SVG is refused unless enabled', async () => {
    await expectCode(probe({ buffer: makeSvg() }, limits), 'TS_SVG_DISABLED');
  });

  it('SVG larger than MAX_SVG_BYTES is refused before parsing', async () => {
    const big = makeSvg({ extra: `<!-- ${'x'.repeat(MAX_SVG_BYTES)} -->` });
    await expectCode(probe({ buffer: big }, svgLimits), 'TS_UPLOAD_TOO_LARGE');
  });

  it('a cut header is corrupt', async () => {
    const jpeg = await makeJpeg({ width: 64, height: 48 });
    const png = await makePng({ width: 64, height: 48 });
    await expectCode(probe({ buffer: jpeg.subarray(0, 20) }, limits), 'TS_IMAGE_CORRUPT');
    await expectCode(probe({ buffer: png.subarray(0, 20) }, limits), 'TS_IMAGE_CORRUPT');
    await expectCode(probe({ buffer: makeBmp({ width: 8, height: 8 }).subarray(0, 30) }, limits), 'TS_IMAGE_CORRUPT');
    await expectCode(probe({ buffer: Buffer.from('GIF89a\x01') }, limits), 'TS_IMAGE_CORRUPT');
  });

  it('a header that is whole but pixels that are cut still probes (the decode finds it)', async () => {
    const jpeg = await makeJpeg();
    const png = await makePng();
    expect(await probe({ buffer: jpeg.subarray(0, jpeg.length >> 1) }, limits)).toMatchObject({ width: 1000 });
    expect(await probe({ buffer: png.subarray(0, png.length >> 1) }, limits)).toMatchObject({ width: 1000 });
  });

  it('PNG and GIF declaring enormous dimensions are refused from the header', async () => {
    await expectCode(probe({ buffer: pngDeclaring(100000, 100000) }, limits), 'TS_IMAGE_TOO_MANY_PIXELS');
    await expectCode(probe({ buffer: gifDeclaring(65535, 65535) }, limits), 'TS_IMAGE_TOO_MANY_PIXELS');
  });

  it('a decompression bomb (20000x20000 one-colour PNG, ~50 KB) is refused', async () => {
    const bomb = pngBomb(20000, 20000);
    expect(bomb.length).toBeLessThan(100_000);
    await expectCode(probe({ buffer: bomb }, limits), 'TS_IMAGE_TOO_MANY_PIXELS');
  });

  it('a GIF with thousands of frames is refused', async () => {
    await expectCode(probe({ buffer: gifWithFrames(5000) }, limits), 'TS_IMAGE_TOO_MANY_FRAMES');
    expect(await probe({ buffer: gifWithFrames(100) }, limits)).toMatchObject({ frames: 100 });
  });

  it('limits come from the caller', async () => {
    const jpeg = await makeJpeg(); // 700 000 pixels
    await expectCode(probe({ buffer: jpeg }, { ...limits, maxInputPixels: 699_999 }), 'TS_IMAGE_TOO_MANY_PIXELS');
    expect(await probe({ buffer: jpeg }, { ...limits, maxInputPixels: 700_000 })).toMatchObject({ width: 1000 });
    await expectCode(
      probe({ buffer: await makeAnimatedGif() }, { ...limits, maxFrames: 2 }),
      'TS_IMAGE_TOO_MANY_FRAMES',
    );
    await expectCode(probe({ buffer: makeBmp() }, { ...limits, maxInputPixels: 1000 }), 'TS_IMAGE_TOO_MANY_PIXELS');
  });

  it('the error says what was wrong', async () => {
    const error = await probe({ buffer: pngDeclaring(100000, 100000) }, limits).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, retryable: false, extensions: { limit: 50e6 } });
    expect((error as Error).message).toContain('100000x100000');
  });
});
