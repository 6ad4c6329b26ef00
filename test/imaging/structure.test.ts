/**
 * The structural walk (src/imaging/structure.ts): bombs made in code are refused by probe() and render() before any
 * decoder runs, ordinary images (with their usual metadata) pass, counts are exact on both buffer and file input
 * (files are read in windows, so counts across window edges are checked), and lying lengths neither crash nor
 * allocate.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/domain/errors.js';
import { DEFAULT_PRESETS, withVersion } from '../../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, type ImageInput, type ImagingLimits, probe, render } from '../../src/imaging/index.js';
import { assertStructureWithinLimits } from '../../src/imaging/structure.js';
import {
  iccpChunk,
  itxtChunk,
  jpegScanBomb,
  manyTextChunks,
  webpChunk,
  withGifComments,
  withJpegSegments,
  withPngChunks,
  withTiffPages,
  withWebpChunks,
  ztxtBomb,
  ztxtChunk,
} from '../support/bombs.js';
import { makeAnimatedGif, makeGif, makeJpeg, makePng, makeTiff, makeWebp, pngChunk } from '../support/images.js';

const limits = DEFAULT_IMAGING_LIMITS;
const MiB = 1024 ** 2;

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'ThumbsmithError', code });
}

let dir: string;
let png: Buffer;
let jpeg: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'thumbsmith-structure-'));
  png = await makePng({ width: 64, height: 48 });
  jpeg = await makeJpeg({ width: 64, height: 48 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The same bytes as a buffer and as a file on disk (read in windows). */
async function bothInputs(bytes: Buffer, name: string): Promise<ImageInput[]> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return [{ buffer: bytes }, { path }];
}

/** The walk alone, with `overrides` on the default limits. */
function walk(
  input: ImageInput,
  format: 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff',
  overrides: Partial<ImagingLimits> = {},
) {
  return assertStructureWithinLimits(input, format, { ...limits, ...overrides });
}

describe('structural walk: ordinary images pass', () => {
  it('every format, with EXIF, XMP, ICC and comments, progressive JPEG included', async () => {
    const images = await Promise.all([
      makeJpeg({ width: 640, height: 480, metadata: true, icc: 'p3' }),
      makeJpeg({ width: 640, height: 480, progressive: true }),
      makePng({ width: 200, height: 100, metadata: true }),
      makePng({ width: 200, height: 100, palette: true }),
      makeGif({ width: 120, height: 80 }),
      makeAnimatedGif(),
      makeWebp({ width: 200, height: 100 }),
      makeWebp({ animated: true }),
      makeTiff({ width: 64, height: 64 }),
    ]);
    for (const bytes of images) await expect(probe({ buffer: bytes }, limits)).resolves.toBeDefined();
  });

  it('compressed metadata within the budget passes (counted inflated)', async () => {
    const bytes = withPngChunks(png, [ztxtChunk(MiB), itxtChunk(MiB), iccpChunk(MiB)]);
    await expect(probe({ buffer: bytes }, limits)).resolves.toMatchObject({ format: 'png', width: 64 });
    await expectCode(
      probe({ buffer: bytes }, { ...limits, maxMetadataBytes: 3 * MiB - 1 }),
      'TS_IMAGE_METADATA_TOO_LARGE',
    );
  });
});

describe('PNG: metadata bombs and chunk floods', () => {
  it('the zTXt bomb of issue 13 (300 chunks x 20 MiB inflated, 6 MB file) is refused before any decoder', async () => {
    const bomb = ztxtBomb(png);
    expect(bomb.length).toBeLessThan(8 * MiB);
    for (const input of await bothInputs(bomb, 'ztxt-bomb.png')) {
      await expectCode(probe(input, limits), 'TS_IMAGE_METADATA_TOO_LARGE');
    }
    // The render's inspect step refuses it too (the job reads the stored original).
    await expectCode(
      render({ buffer: bomb }, [withVersion(DEFAULT_PRESETS[0]!)], limits),
      'TS_IMAGE_METADATA_TOO_LARGE',
    );
  });

  it('one zTXt, iTXt or iCCP chunk inflating past the budget is refused, however small on disk', async () => {
    for (const chunk of [ztxtChunk(32 * MiB), itxtChunk(32 * MiB), iccpChunk(64 * MiB)]) {
      expect(chunk.length).toBeLessThan(MiB);
      await expectCode(probe({ buffer: withPngChunks(png, [chunk]) }, limits), 'TS_IMAGE_METADATA_TOO_LARGE');
    }
  });

  it('a truncated or broken zlib stream counts what it inflates to, or its stored size', async () => {
    const whole = ztxtChunk(32 * MiB);
    const data = whole.subarray(8, whole.length - 4);
    const truncated = pngChunk('zTXt', data.subarray(0, Math.floor(data.length / 2)));
    await expectCode(walk({ buffer: withPngChunks(png, [truncated]) }, 'png'), 'TS_IMAGE_METADATA_TOO_LARGE');
    const broken = pngChunk('zTXt', Buffer.from('Comment\0\0not zlib at all', 'latin1'));
    await expect(walk({ buffer: withPngChunks(png, [broken]) }, 'png', { maxMetadataBytes: 24 })).resolves.toBe(
      undefined,
    );
    await expectCode(
      walk({ buffer: withPngChunks(png, [broken]) }, 'png', { maxMetadataBytes: 23 }),
      'TS_IMAGE_METADATA_TOO_LARGE',
    );
  });

  it('ancillary chunks are counted exactly against MAX_PNG_CHUNKS, on a buffer and on a file', async () => {
    // The PNG sharp writes has one ancillary chunk of its own (pHYs): 255 more are exactly the 256 allowed.
    for (const input of await bothInputs(manyTextChunks(png, 255), 'chunks-255.png')) {
      await expect(probe(input, limits)).resolves.toMatchObject({ format: 'png' });
    }
    await expectCode(probe({ buffer: manyTextChunks(png, 256) }, limits), 'TS_IMAGE_TOO_COMPLEX');
    // 20000 chunks of 15 bytes: the file spans several read windows.
    for (const input of await bothInputs(manyTextChunks(png, 20_000), 'chunks-20000.png')) {
      await expectCode(probe(input, limits), 'TS_IMAGE_TOO_COMPLEX');
      await expect(walk(input, 'png', { maxAncillaryChunks: 20_001 })).resolves.toBe(undefined);
      await expectCode(walk(input, 'png', { maxAncillaryChunks: 20_000 }), 'TS_IMAGE_TOO_COMPLEX');
    }
  });

  it('lying lengths: a metadata chunk declaring more than the budget is refused; any other stops the walk', async () => {
    const lyingText = Buffer.from([0x7f, 0xff, 0xff, 0xff, ...Buffer.from('zTXtComment\0\0', 'latin1')]);
    await expectCode(
      walk({ buffer: Buffer.concat([png.subarray(0, 33), lyingText]) }, 'png'),
      'TS_IMAGE_METADATA_TOO_LARGE',
    );
    const lyingPrivate = Buffer.from([0xff, 0xff, 0xff, 0xf0, ...Buffer.from('prVtxxxx', 'latin1')]);
    const bytes = Buffer.concat([png.subarray(0, 33), lyingPrivate, png.subarray(33)]);
    for (const input of await bothInputs(bytes, 'lying.png')) await expect(walk(input, 'png')).resolves.toBe(undefined);
    // The decoder then judges the file: a catalogue error or a result, never a crash.
    const outcome = await probe({ buffer: bytes }, limits).then(
      () => 'read',
      (error: { code?: string }) => error.code,
    );
    expect(['read', 'TS_IMAGE_CORRUPT']).toContain(outcome);
  });

  it('APNG frame chunks are image data, not metadata', async () => {
    const frameChunks = Array.from({ length: 600 }, (_, i) => pngChunk(i % 2 ? 'fdAT' : 'fcTL', Buffer.alloc(26)));
    await expect(walk({ buffer: withPngChunks(png, frameChunks) }, 'png')).resolves.toBe(undefined);
  });
});

describe('JPEG: scans and metadata segments', () => {
  it('the scan bomb is a valid JPEG (it decodes, to flat grey) with 2647 scans', async () => {
    const small = jpegScanBomb(64, 64);
    const { data, info } = await sharp(small, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, data[0], data[1], data[2]]).toEqual([64, 64, 128, 128, 128]);
    await expect(walk({ buffer: small }, 'jpeg', { maxJpegScans: 2647 })).resolves.toBe(undefined);
    await expectCode(walk({ buffer: small }, 'jpeg', { maxJpegScans: 2646 }), 'TS_IMAGE_TOO_COMPLEX');
  });

  it('the scan bomb of issue 13 (7000x7000, 2647 scans, about 530 KB) is refused before decoding', async () => {
    const bomb = jpegScanBomb();
    expect(bomb.length).toBeLessThan(600 * 1024);
    for (const input of await bothInputs(bomb, 'scan-bomb.jpg')) {
      await expectCode(probe(input, limits), 'TS_IMAGE_TOO_COMPLEX');
      // Exact across read windows: 2647 passes, 2646 does not.
      await expect(walk(input, 'jpeg', { maxJpegScans: 2647 })).resolves.toBe(undefined);
      await expectCode(walk(input, 'jpeg', { maxJpegScans: 2646 }), 'TS_IMAGE_TOO_COMPLEX');
    }
  });

  it('a large ordinary progressive JPEG (several windows of scan data) has its ten or so scans', async () => {
    const noise = await sharp({
      create: {
        width: 1200,
        height: 900,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    })
      .jpeg({ quality: 95, progressive: true })
      .toBuffer();
    expect(noise.length).toBeGreaterThan(4 * 64 * 1024);
    for (const input of await bothInputs(noise, 'noise.jpg')) {
      await expect(walk(input, 'jpeg', { maxJpegScans: 20 })).resolves.toBe(undefined);
      await expectCode(walk(input, 'jpeg', { maxJpegScans: 5 }), 'TS_IMAGE_TOO_COMPLEX');
    }
  });

  it('APPn/COM segments count against MAX_PNG_CHUNKS and MAX_METADATA_BYTES', async () => {
    await expectCode(probe({ buffer: withJpegSegments(jpeg, 300, 10) }, limits), 'TS_IMAGE_TOO_COMPLEX');
    await expectCode(
      probe({ buffer: withJpegSegments(jpeg, 200, 60_000, 0xe1) }, limits),
      'TS_IMAGE_METADATA_TOO_LARGE',
    );
    await expect(probe({ buffer: withJpegSegments(jpeg, 100, 60_000, 0xe2) }, limits)).resolves.toMatchObject({
      format: 'jpeg',
    });
  });

  it('a segment length past the end, or a cut inside scan data, stops the walk', async () => {
    const lying = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1, 0xff, 0xff, 0x45, 0x78])]);
    await expect(walk({ buffer: lying }, 'jpeg')).resolves.toBe(undefined);
    await expectCode(probe({ buffer: lying }, limits), 'TS_IMAGE_CORRUPT');
    await expect(walk({ buffer: jpeg.subarray(0, Math.floor(jpeg.length * 0.6)) }, 'jpeg')).resolves.toBe(undefined);
  });
});

describe('GIF and WebP: metadata entries and frames', () => {
  it('GIF comment extensions count as metadata; frames against MAX_FRAMES', async () => {
    const gif = await makeGif({ width: 32, height: 32 });
    await expect(probe({ buffer: withGifComments(gif, 10, 1000) }, limits)).resolves.toMatchObject({ format: 'gif' });
    await expectCode(probe({ buffer: withGifComments(gif, 300, 1) }, limits), 'TS_IMAGE_TOO_COMPLEX');
    await expectCode(probe({ buffer: withGifComments(gif, 2, 5 * MiB) }, limits), 'TS_IMAGE_METADATA_TOO_LARGE');
    const animated = await makeAnimatedGif({ width: 8, height: 8 });
    await expect(walk({ buffer: animated }, 'gif', { maxFrames: 3 })).resolves.toBe(undefined);
    await expectCode(walk({ buffer: animated }, 'gif', { maxFrames: 2 }), 'TS_IMAGE_TOO_MANY_FRAMES');
  });

  it('WebP metadata chunks and unknown chunks are counted; ANMF frames against MAX_FRAMES', async () => {
    const webp = await makeWebp({ width: 32, height: 32 });
    const unknown = Array.from({ length: 300 }, () => webpChunk('junk', Buffer.alloc(3)));
    await expectCode(probe({ buffer: withWebpChunks(webp, unknown) }, limits), 'TS_IMAGE_TOO_COMPLEX');
    const exif = webpChunk('EXIF', Buffer.alloc(9 * MiB));
    await expectCode(probe({ buffer: withWebpChunks(webp, [exif]) }, limits), 'TS_IMAGE_METADATA_TOO_LARGE');
    const animated = await makeWebp({ width: 16, height: 16, animated: true });
    await expect(walk({ buffer: animated }, 'webp', { maxFrames: 3 })).resolves.toBe(undefined);
    await expectCode(walk({ buffer: animated }, 'webp', { maxFrames: 2 }), 'TS_IMAGE_TOO_MANY_FRAMES');
  });
});

describe('TIFF: the page chain', () => {
  it('pages are counted against MAX_FRAMES, classic and BigTIFF; a loop or an IFD past the end stops the walk', async () => {
    const tiff = await makeTiff({ width: 8, height: 8, compression: 'none' });
    const flood = withTiffPages(tiff, 100_000); // 18 MB, seconds of libtiff counting
    for (const input of await bothInputs(flood, 'pages.tif'))
      await expectCode(probe(input, limits), 'TS_IMAGE_TOO_MANY_FRAMES');
    const hundred = withTiffPages(tiff, 99);
    await expect(probe({ buffer: hundred }, limits)).resolves.toMatchObject({ format: 'tiff', frames: 100 });
    await expectCode(walk({ buffer: hundred }, 'tiff', { maxFrames: 99 }), 'TS_IMAGE_TOO_MANY_FRAMES');
    const raw = Buffer.alloc(16 * 16 * 3 * 5, 100);
    for (const bigtiff of [false, true]) {
      const pages = await sharp(raw, { raw: { width: 16, height: 80, channels: 3, pageHeight: 16 } })
        .tiff({ bigtiff })
        .toBuffer();
      await expect(walk({ buffer: pages }, 'tiff', { maxFrames: 5 })).resolves.toBe(undefined);
      await expectCode(walk({ buffer: pages }, 'tiff', { maxFrames: 4 }), 'TS_IMAGE_TOO_MANY_FRAMES');
    }
    const loop = withTiffPages(tiff, 3);
    loop.writeUInt32LE(tiff.readUInt32LE(4), loop.length - 4); // the last page links back to the first
    await expect(walk({ buffer: loop }, 'tiff', { maxFrames: 4 })).resolves.toBe(undefined);
    const pastTheEnd = Buffer.from(tiff);
    pastTheEnd.writeUInt32LE(0x7fff_fff0, 4);
    await expect(walk({ buffer: pastTheEnd }, 'tiff')).resolves.toBe(undefined);
  });
});
