import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/domain/errors.js';
import { DEFAULT_PRESET_VALUES, DEFAULT_PRESETS, type PresetDefinition, withVersion } from '../../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, probe, render } from '../../src/imaging/index.js';
import {
  gifDeclaring,
  gifWithFrames,
  makeAnimatedGif,
  makeBmp,
  makeGif,
  makeJpeg,
  makePng,
  makeSvg,
  mp4Header,
  pngBomb,
  pngDeclaring,
  readHeicFixture,
  type TiffEntry,
  tiffPixelOffset,
  tiffWithEntries,
} from '../support/images.js';

const limits = DEFAULT_IMAGING_LIMITS;
const presets = DEFAULT_PRESETS.map(withVersion);

function preset(overrides: Partial<PresetDefinition> = {}) {
  return withVersion({ name: 'test', width: 200, height: 200, ...DEFAULT_PRESET_VALUES, ...overrides });
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'ThumbsmithError', code });
}

describe('render: content that is not a usable image', () => {
  it('refuses what probe refuses', async () => {
    await expectCode(render({ buffer: Buffer.alloc(0) }, presets, limits), 'TS_UNSUPPORTED_MEDIA');
    await expectCode(render({ buffer: Buffer.from('plain text') }, presets, limits), 'TS_UNSUPPORTED_MEDIA');
    await expectCode(render({ buffer: mp4Header() }, presets, limits), 'TS_UNSUPPORTED_MEDIA');
    await expectCode(render({ buffer: makeSvg() }, presets, limits), 'TS_SVG_DISABLED');
    await expectCode(render({ buffer: pngDeclaring(100000, 100000) }, presets, limits), 'TS_IMAGE_TOO_MANY_PIXELS');
    await expectCode(render({ buffer: gifDeclaring(65535, 65535) }, presets, limits), 'TS_IMAGE_TOO_MANY_PIXELS');
    await expectCode(render({ buffer: gifWithFrames(5000) }, presets, limits), 'TS_IMAGE_TOO_MANY_FRAMES');
  });

  it('a decompression bomb (small file, 400 MP) is refused before decoding', async () => {
    await expectCode(render({ buffer: pngBomb() }, presets, limits), 'TS_IMAGE_TOO_MANY_PIXELS');
  });

  it('renders a JPEG with trailing HTML as the JPEG', async () => {
    const jpeg = await makeJpeg({ width: 300, height: 200 });
    const polyglot = Buffer.concat([jpeg, Buffer.from('<html><script>alert(1)</script></html>')]);
    const variants = await render({ buffer: polyglot }, presets, limits);
    expect(variants.map((v) => [v.width, v.height])).toEqual([
      [150, 100],
      [300, 200],
      [300, 200],
    ]);
  });
});

describe('render: truncated pixel data', () => {
  it('JPEG and PNG cut in the pixel data probe fine, then fail to render as corrupt', async () => {
    for (const image of [await makeJpeg(), await makePng()]) {
      const cut = image.subarray(0, Math.floor(image.length * 0.6));
      await expect(probe({ buffer: cut }, limits)).resolves.toMatchObject({ width: 1000, height: 700 });
      await expectCode(render({ buffer: cut }, presets, limits), 'TS_IMAGE_CORRUPT');
    }
  });

  it('a GIF cut anywhere in its only frame is corrupt from the header on (libvips scans every frame)', async () => {
    const gif = await makeGif({ width: 300, height: 200 });
    for (const fraction of [0.3, 0.6, 0.95]) {
      const cut = gif.subarray(0, Math.floor(gif.length * fraction));
      await expectCode(probe({ buffer: cut }, limits), 'TS_IMAGE_CORRUPT');
      await expectCode(render({ buffer: cut }, presets, limits), 'TS_IMAGE_CORRUPT');
    }
  });

  it('an animated GIF cut after its first frame still gives its (whole) first frame', async () => {
    const gif = await makeAnimatedGif();
    const variants = await render({ buffer: gif.subarray(0, gif.length - 1) }, presets, limits);
    expect(variants.map((v) => [v.width, v.height])).toEqual([
      [150, 90],
      [200, 120],
      [200, 120],
    ]);
  });

  it('a BMP whose pixel data is cut is corrupt', async () => {
    const bmp = makeBmp({ width: 100, height: 100 });
    const cut = bmp.subarray(0, bmp.length - 100);
    await expect(probe({ buffer: cut }, limits)).resolves.toMatchObject({ width: 100 });
    await expectCode(render({ buffer: cut }, presets, limits), 'TS_IMAGE_CORRUPT');
  });

  it('a cut HEIC is corrupt', async () => {
    const heic = readHeicFixture();
    await expectCode(
      render({ buffer: heic.subarray(0, Math.floor(heic.length * 0.7)) }, presets, limits),
      'TS_IMAGE_CORRUPT',
    );
  });
});

describe('render: hostile BMP headers', () => {
  it('enormous declared dimensions are refused from the header', async () => {
    const bmp = makeBmp({ width: 4, height: 4 });
    bmp.writeInt32LE(100000, 18);
    bmp.writeInt32LE(100000, 22);
    await expectCode(render({ buffer: bmp }, presets, limits), 'TS_IMAGE_TOO_MANY_PIXELS');
  });

  it('RLE and OS/2 bitmaps are unsupported; nonsense depths and palettes are corrupt', async () => {
    const rle = makeBmp({ width: 4, height: 4, bitsPerPixel: 8 });
    rle.writeUInt32LE(1, 30);
    await expectCode(probe({ buffer: rle }, limits), 'TS_UNSUPPORTED_FORMAT');
    const core = makeBmp({ width: 4, height: 4 });
    core.writeUInt32LE(12, 14);
    await expectCode(probe({ buffer: core }, limits), 'TS_UNSUPPORTED_FORMAT');
    const depth = makeBmp({ width: 4, height: 4 });
    depth.writeUInt16LE(7, 28);
    await expectCode(probe({ buffer: depth }, limits), 'TS_IMAGE_CORRUPT');
    const palette = makeBmp({ width: 4, height: 4, bitsPerPixel: 8 });
    palette.writeUInt32LE(0xffffffff, 46);
    await expectCode(probe({ buffer: palette }, limits), 'TS_IMAGE_CORRUPT');
    const negativeWidth = makeBmp({ width: 4, height: 4 });
    negativeWidth.writeInt32LE(-4, 18);
    await expectCode(probe({ buffer: negativeWidth }, limits), 'TS_IMAGE_CORRUPT');
  });
});

describe('render: TIFF with absurd tags', () => {
  const valid = (): TiffEntry[] => [
    [256, 4, 1, 8], // ImageWidth
    [257, 4, 1, 8], // ImageLength
    [258, 3, 1, 8], // BitsPerSample
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 1], // Photometric: min-is-black
    [273, 4, 1, tiffPixelOffset(9)], // StripOffsets
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, 8], // RowsPerStrip
    [279, 4, 1, 64], // StripByteCounts
  ];
  const withTag = (tag: number, value: number): TiffEntry[] =>
    valid().map((entry) => (entry[0] === tag ? ([entry[0], entry[1], entry[2], value] as const) : entry));

  it('the hand-written baseline TIFF is valid', async () => {
    const variants = await render({ buffer: tiffWithEntries(valid()) }, [preset()], limits);
    expect(variants.map((v) => [v.width, v.height])).toEqual([[8, 8]]);
  });

  const cases: Array<[string, Buffer]> = [
    ['zero width', tiffWithEntries(withTag(256, 0))],
    ['4e9 x 4e9 pixels', tiffWithEntries(withTag(257, 4e9).map((e) => (e[0] === 256 ? [256, 4, 1, 4e9] : e)))],
    ['999 bits per sample', tiffWithEntries(withTag(258, 999))],
    ['unknown compression', tiffWithEntries(withTag(259, 9999))],
    ['unknown photometric', tiffWithEntries(withTag(262, 99))],
    ['strip beyond the end of the file', tiffWithEntries(withTag(273, 0x7fffffff))],
    ['65535 samples per pixel', tiffWithEntries(withTag(277, 65535))],
    ['strip byte count larger than the file', tiffWithEntries(withTag(279, 0x7fffffff))],
    [
      'first IFD beyond the end of the file',
      (() => {
        const tiff = tiffWithEntries(valid());
        tiff.writeUInt32LE(0x7ffffff0, 4);
        return tiff;
      })(),
    ],
    [
      'IFD that links to itself',
      (() => {
        const tiff = tiffWithEntries(valid());
        tiff.writeUInt32LE(8, 10 + 9 * 12);
        return tiff;
      })(),
    ],
  ];

  for (const [name, tiff] of cases) {
    it(`${name}: a 4xx catalogue error, not a crash`, async () => {
      const error = await probe({ buffer: tiff }, limits)
        .then(() => render({ buffer: tiff }, presets, limits))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // Either libvips copes (then the variants must exist) or the failure is a client error.
      if (error !== undefined) {
        expect(error).toMatchObject({ name: 'ThumbsmithError' });
        const status = (error as { status: number }).status;
        expect(status, String(error)).toBeGreaterThanOrEqual(400);
        expect(status, String(error)).toBeLessThan(500);
      }
    });
  }

  it('most of the absurd TIFFs are actually refused', async () => {
    let refused = 0;
    for (const [, tiff] of cases) {
      await render({ buffer: tiff }, presets, limits).catch(() => refused++);
    }
    expect(refused).toBeGreaterThanOrEqual(cases.length - 2);
  });
});

describe('render: output limits and time', () => {
  it('a preset asking more than maxOutputDimension is refused before decoding', async () => {
    const corrupt = (await makeJpeg()).subarray(0, 3000); // would fail as corrupt if it were decoded
    await expectCode(render({ buffer: corrupt }, [preset({ width: 5000 })], limits), 'TS_IMAGE_DIMENSIONS');
    await expectCode(render({ buffer: corrupt }, [preset({ height: 4097 })], limits), 'TS_IMAGE_DIMENSIONS');
    await expectCode(render({ buffer: corrupt }, [preset({ width: 0 })], limits), 'TS_IMAGE_DIMENSIONS');
    await expectCode(
      render({ buffer: corrupt }, [preset({ width: 300 })], { ...limits, maxOutputDimension: 256 }),
      'TS_IMAGE_DIMENSIONS',
    );
  });

  it('outputs never exceed maxOutputDimension, even when enlarging', async () => {
    const variants = await render(
      { buffer: await makeJpeg({ width: 100, height: 50 }) },
      [preset({ width: 4096, height: 4096, enlarge: true })],
      limits,
    );
    expect(variants.map((v) => [v.width, v.height])).toEqual([[4096, 2048]]);
  });

  it('an exhausted time budget or an aborted signal is TS_RENDER_TIMEOUT', async () => {
    const buffer = await makeJpeg();
    await expectCode(render({ buffer }, presets, limits, { timeoutMs: 0 }), 'TS_RENDER_TIMEOUT');
    await expectCode(render({ buffer }, presets, limits, { signal: AbortSignal.abort() }), 'TS_RENDER_TIMEOUT');
  });

  it('an abort during rendering stops it between steps', async () => {
    const buffer = await makePng({ width: 3000, height: 2000 });
    const controller = new AbortController();
    const rendering = render({ buffer }, presets, limits, { signal: controller.signal });
    setImmediate(() => controller.abort(new Error('job lease lost')));
    const error = await rendering.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TS_RENDER_TIMEOUT' });
    expect((error as Error).cause).toMatchObject({ message: 'job lease lost' });
  });

  it('a generous budget renders normally', async () => {
    const variants = await render({ buffer: await makeJpeg() }, presets, limits, {
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    expect(variants).toHaveLength(3);
  });
});
