import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRESET_VALUES,
  DEFAULT_PRESETS,
  type Preset,
  type PresetDefinition,
  withVersion,
} from '../../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, render, resolveOutputFormat } from '../../src/imaging/index.js';
import {
  colourDistance,
  METADATA_MARKERS,
  makeAvif,
  makeBmp,
  makeJpeg,
  makePng,
  makeWebp,
  pixelAt,
  QUADRANT_COLOURS,
  readHeicFixture,
} from '../support/images.js';

const limits = DEFAULT_IMAGING_LIMITS;
const defaults = DEFAULT_PRESETS.map(withVersion);

function preset(overrides: Partial<PresetDefinition> = {}): Preset {
  return withVersion({ name: 'test', width: 200, height: 200, ...DEFAULT_PRESET_VALUES, ...overrides });
}

async function renderOne(buffer: Buffer, overrides: Partial<PresetDefinition> = {}) {
  const [variant] = await render({ buffer }, [preset(overrides)], limits);
  return variant!;
}

/** Centre of each quadrant of a `width`x`height` image. */
function quadrantCentres(width: number, height: number) {
  const [x0, x1, y0, y1] = [
    Math.floor(width / 4),
    Math.floor((3 * width) / 4),
    Math.floor(height / 4),
    Math.floor((3 * height) / 4),
  ];
  return { topLeft: [x0, y0], topRight: [x1, y0], bottomLeft: [x0, y1], bottomRight: [x1, y1] } as const;
}

async function expectUpright(image: Buffer, width: number, height: number, tolerance = 12): Promise<void> {
  for (const [corner, [x, y]] of Object.entries(quadrantCentres(width, height))) {
    const expected = QUADRANT_COLOURS[corner as keyof typeof QUADRANT_COLOURS];
    const actual = await pixelAt(image, x, y);
    expect(colourDistance(actual, expected), `${corner} at ${x},${y} is ${actual}`).toBeLessThanOrEqual(tolerance);
  }
}

describe('orientation', () => {
  for (let orientation = 1; orientation <= 8; orientation++) {
    it(`EXIF orientation ${orientation} comes out upright, applied once`, async () => {
      const buffer = await makeJpeg({ width: 300, height: 200, orientation });
      const variants = await render(
        { buffer },
        [preset({ width: 150, height: 150 }), preset({ width: 400, height: 400 })],
        limits,
      );
      expect(variants.map((v) => [v.width, v.height])).toEqual([
        [150, 100],
        [300, 200],
      ]);
      for (const variant of variants) {
        await expectUpright(variant.data, variant.width, variant.height);
        expect((await sharp(variant.data).metadata()).orientation).toBeUndefined();
      }
    });
  }
});

describe('colour', () => {
  const muted = [180, 100, 70] as const; // inside the CMYK gamut, so a round trip can be exact

  it('a CMYK JPEG comes out in the right sRGB colour, with or without an embedded profile', async () => {
    for (const colour of [muted, [60, 120, 180], [230, 230, 230]] as const) {
      for (const options of [{ cmyk: true }, { icc: 'cmyk' }]) {
        const buffer = await makeJpeg({ width: 64, height: 64, colour, ...options });
        expect((await sharp(buffer).metadata()).space).toBe('cmyk');
        const variant = await renderOne(buffer, { quality: 95 });
        expect(variant.format).toBe('jpeg');
        expect((await sharp(variant.data).metadata()).space).toBe('srgb');
        const actual = await pixelAt(variant.data, 32, 32);
        // sRGB -> CMYK -> sRGB through a print profile is not lossless; libvips' own conversion is the reference.
        const reference = await pixelAt(await sharp(buffer).toColourspace('srgb').png().toBuffer(), 32, 32);
        expect(colourDistance(actual, reference), `${colour} ${JSON.stringify(options)}`).toBeLessThanOrEqual(3);
        expect(colourDistance(actual, colour), `${colour} ${JSON.stringify(options)}`).toBeLessThanOrEqual(32);
      }
    }
  });

  it('an image with a Display P3 profile is converted through it to sRGB', async () => {
    const colour = [200, 60, 40] as const;
    const buffer = await makePng({ width: 64, height: 64, colour, metadata: true }); // embeds the p3 profile
    // The stored numbers are P3 coordinates, clearly not the sRGB ones: ignoring the profile would fail below.
    const stored = await sharp(buffer).keepIccProfile().raw().toBuffer();
    expect(colourDistance([...stored.subarray(0, 3)], colour)).toBeGreaterThan(10);
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const variant = await renderOne(buffer, { format, quality: 95 });
      expect(colourDistance(await pixelAt(variant.data, 32, 32), colour), format).toBeLessThanOrEqual(4);
    }
  });

  it('a JPEG with a P3 profile is converted too', async () => {
    const colour = [40, 160, 90] as const;
    const variant = await renderOne(await makeJpeg({ width: 64, height: 64, colour, icc: 'p3' }), { quality: 95 });
    expect(colourDistance(await pixelAt(variant.data, 32, 32), colour)).toBeLessThanOrEqual(6);
  });

  it('an HEIC with a P3 profile is converted through it to sRGB', async () => {
    const variant = await renderOne(readHeicFixture('p3Red'), { format: 'png' });
    expect(colourDistance(await pixelAt(variant.data, 32, 24), [200, 60, 40])).toBeLessThanOrEqual(4);
  });

  it('HEIC and BMP keep their quadrant colours in the right places', async () => {
    const heic = await renderOne(readHeicFixture(), { format: 'png' });
    await expectUpright(heic.data, heic.width, heic.height, 8);
    const bmp = await renderOne(makeBmp({ width: 300, height: 200 }), { format: 'png' });
    await expectUpright(bmp.data, bmp.width, bmp.height, 0);
    const bmp8 = await renderOne(makeBmp({ width: 300, height: 200, bitsPerPixel: 8, topDown: true }), {
      format: 'png',
    });
    await expectUpright(bmp8.data, bmp8.width, bmp8.height, 0);
  });

  it('a 16-bit PNG comes out with its colours (8-bit output)', async () => {
    const variant = await renderOne(await makePng({ width: 300, height: 200, bitDepth16: true }), { format: 'png' });
    expect((await sharp(variant.data).metadata()).depth).toBe('uchar');
    await expectUpright(variant.data, variant.width, variant.height, 1);
  });
});

describe('transparency', () => {
  const transparentPng = () => makePng({ width: 400, height: 200, alpha: true });

  it('is kept in WebP, PNG and AVIF', async () => {
    for (const format of ['webp', 'png', 'avif', 'auto'] as const) {
      const variant = await renderOne(await transparentPng(), { format });
      expect(variant.format).toBe(format === 'auto' ? 'webp' : format);
      expect((await sharp(variant.data).metadata()).hasAlpha).toBe(true);
      expect((await pixelAt(variant.data, 150, 50))[3], format).toBeLessThanOrEqual(2); // right half transparent
      expect((await pixelAt(variant.data, 10, 10))[3], format).toBeGreaterThanOrEqual(253);
    }
  });

  it('is flattened onto the preset background in JPEG', async () => {
    const variant = await renderOne(await transparentPng(), { format: 'jpeg', background: '#0000ff' });
    expect((await sharp(variant.data).metadata()).hasAlpha).toBe(false);
    expect(colourDistance(await pixelAt(variant.data, 150, 50), [0, 0, 255])).toBeLessThanOrEqual(6);
    expect(colourDistance(await pixelAt(variant.data, 25, 25), QUADRANT_COLOURS.topLeft)).toBeLessThanOrEqual(8);
  });

  it('an alpha channel that is fully opaque counts as opaque for auto', async () => {
    const opaqueRgba = await sharp(await makePng({ width: 64, height: 64 }))
      .ensureAlpha()
      .png()
      .toBuffer();
    expect((await sharp(opaqueRgba).metadata()).hasAlpha).toBe(true);
    expect((await renderOne(opaqueRgba)).format).toBe('jpeg');
  });

  it('HEIC and BMP alpha are kept', async () => {
    const heic = await renderOne(readHeicFixture('halfTransparent'), { format: 'png' });
    expect((await pixelAt(heic.data, 5, 24))[3]).toBe(255);
    expect((await pixelAt(heic.data, 60, 24))[3]).toBe(0);
    const bmp = await renderOne(makeBmp({ width: 200, height: 100, bitsPerPixel: 32, alpha: true }), { format: 'png' });
    expect((await pixelAt(bmp.data, 10, 10))[3]).toBe(255);
    expect((await pixelAt(bmp.data, 190, 10))[3]).toBe(0);
  });
});

describe('metadata', () => {
  async function expectNoMetadata(data: Buffer, label: string) {
    const metadata = await sharp(data).metadata();
    expect(metadata.exif, label).toBeUndefined();
    expect(metadata.xmp, label).toBeUndefined();
    expect(metadata.icc, label).toBeUndefined();
    expect(metadata.iptc, label).toBeUndefined();
    expect(metadata.comments, label).toBeUndefined();
    for (const marker of [
      ...METADATA_MARKERS,
      'Exif\0\0',
      'ICC_PROFILE',
      'iCCP',
      'eXIf',
      'x:xmpmeta',
      'http://ns.adobe.com',
    ]) {
      expect(data.includes(marker), `${label} contains ${JSON.stringify(marker)}`).toBe(false);
    }
  }

  it('no EXIF, GPS, XMP, comment or ICC survives, in any format', async () => {
    const jpeg = await makeJpeg({ width: 300, height: 200, metadata: true, icc: 'p3' });
    const png = await makePng({ width: 300, height: 200, metadata: true });
    for (const marker of METADATA_MARKERS.slice(0, 3)) expect(jpeg.includes(marker)).toBe(true);
    expect(jpeg.includes('comment-secret')).toBe(true);
    // The GPS IFD pointer (tag 0x8825, little-endian EXIF) is in the input.
    expect((await sharp(jpeg).metadata()).exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true);
    for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
      for (const [name, input] of [
        ['jpeg', jpeg],
        ['png', png],
      ] as const) {
        const variant = await renderOne(input, { format });
        await expectNoMetadata(variant.data, `${name} -> ${format}`);
      }
    }
  });

  it('keepIcc attaches an sRGB profile and nothing else', async () => {
    const variant = await renderOne(await makeJpeg({ width: 300, height: 200, metadata: true, icc: 'p3' }), {
      keepIcc: true,
    });
    const metadata = await sharp(variant.data).metadata();
    expect(metadata.icc).toBeInstanceOf(Buffer);
    // The profile description is UTF-16 "sRGB".
    expect(metadata.icc!.includes(Buffer.from('\0s\0R\0G\0B', 'latin1'))).toBe(true);
    expect(metadata.exif).toBeUndefined();
    expect(metadata.xmp).toBeUndefined();
    for (const marker of METADATA_MARKERS) expect(variant.data.includes(marker)).toBe(false);
  });
});

describe('determinism', () => {
  it('the same input and presets give identical bytes', async () => {
    const inputs = [
      await makeJpeg({ orientation: 6 }),
      await makePng({ alpha: true }),
      makeBmp({ width: 300, height: 200 }),
    ];
    const presets = [
      ...defaults,
      preset({ name: 'avif', format: 'avif' }),
      preset({ name: 'png', format: 'png' }),
      preset({ name: 'smart', fit: 'cover', gravity: 'attention', width: 100, height: 100 }),
    ];
    for (const buffer of inputs) {
      const first = await render({ buffer }, presets, limits);
      const second = await render({ buffer: Buffer.from(buffer) }, presets, limits);
      expect(second.map((v) => v.data.equals(first[second.indexOf(v)]!.data))).toEqual(presets.map(() => true));
    }
  });

  it('a preset alone looks the same as in a list (the list only sets the shared decode size)', async () => {
    const buffer = await makeJpeg({ quality: 95 });
    const together = await render({ buffer }, defaults, limits);
    for (const [i, single] of defaults.entries()) {
      const [alone] = await render({ buffer }, [single], limits);
      expect([alone!.width, alone!.height]).toEqual([together[i]!.width, together[i]!.height]);
      const a = await sharp(alone!.data).raw().toBuffer();
      const b = await sharp(together[i]!.data).raw().toBuffer();
      let total = 0;
      for (let p = 0; p < a.length; p++) total += Math.abs(a[p]! - b[p]!);
      expect(total / a.length, single.name).toBeLessThan(2);
    }
  });
});

describe('fits', () => {
  it('cover crops to exactly the box, with smart crops too', async () => {
    const buffer = await makeJpeg();
    for (const gravity of ['center', 'north', 'southeast', 'attention', 'entropy'] as const) {
      const variant = await renderOne(buffer, { fit: 'cover', gravity, width: 100, height: 100 });
      expect([variant.width, variant.height], gravity).toEqual([100, 100]);
    }
  });

  it('cover with a compass gravity keeps that side', async () => {
    const buffer = await makeJpeg({ width: 400, height: 100 });
    const west = await renderOne(buffer, { fit: 'cover', gravity: 'west', width: 100, height: 100, format: 'png' });
    const east = await renderOne(buffer, { fit: 'cover', gravity: 'east', width: 100, height: 100, format: 'png' });
    expect(colourDistance(await pixelAt(west.data, 50, 20), QUADRANT_COLOURS.topLeft)).toBeLessThanOrEqual(8);
    expect(colourDistance(await pixelAt(east.data, 50, 20), QUADRANT_COLOURS.topRight)).toBeLessThanOrEqual(8);
  });

  it('cover without enlarge crops a small source but never scales it up', async () => {
    const variant = await renderOne(await makeJpeg({ width: 120, height: 60 }), {
      fit: 'cover',
      width: 100,
      height: 100,
    });
    expect([variant.width, variant.height]).toEqual([100, 60]);
  });

  it('contain letterboxes to exactly the box with the background', async () => {
    const variant = await renderOne(await makeJpeg({ width: 400, height: 200 }), {
      fit: 'contain',
      width: 200,
      height: 200,
      background: '#00ff00',
      format: 'png',
    });
    expect([variant.width, variant.height]).toEqual([200, 200]);
    expect(colourDistance(await pixelAt(variant.data, 100, 10), [0, 255, 0])).toBeLessThanOrEqual(1);
    expect(colourDistance(await pixelAt(variant.data, 100, 190), [0, 255, 0])).toBeLessThanOrEqual(1);
    expect(colourDistance(await pixelAt(variant.data, 20, 70), QUADRANT_COLOURS.topLeft)).toBeLessThanOrEqual(8);
  });

  it('contain with a transparent background pads with transparency (auto -> webp)', async () => {
    const variant = await renderOne(await makeJpeg({ width: 400, height: 200 }), {
      fit: 'contain',
      background: '#00000000',
    });
    expect(variant.format).toBe('webp');
    expect((await pixelAt(variant.data, 100, 10))[3]).toBe(0);
    expect((await pixelAt(variant.data, 100, 100))[3]).toBe(255);
  });

  it('enlarge: true scales a small image up', async () => {
    const variant = await renderOne(await makeJpeg({ width: 100, height: 50 }), {
      enlarge: true,
      width: 400,
      height: 400,
    });
    expect([variant.width, variant.height]).toEqual([400, 200]);
  });

  it('a non-square box fits the binding side', async () => {
    const variant = await renderOne(await makeJpeg(), { width: 300, height: 100 });
    expect([variant.width, variant.height]).toEqual([143, 100]);
  });
});

describe('encoders', () => {
  it('format auto: JPEG when opaque, WebP with alpha', () => {
    expect(resolveOutputFormat(preset(), false)).toBe('jpeg');
    expect(resolveOutputFormat(preset(), true)).toBe('webp');
    expect(resolveOutputFormat(preset(), false, true)).toBe('webp');
    expect(resolveOutputFormat(preset({ format: 'png' }), true)).toBe('png');
    expect(resolveOutputFormat(preset({ format: 'avif' }), false)).toBe('avif');
  });

  it('JPEG uses 4:2:0 below quality 90 and 4:4:4 from 90; output is progressive (mozjpeg)', async () => {
    const buffer = await makeJpeg({ width: 300, height: 200 });
    const low = await sharp((await renderOne(buffer)).data).metadata();
    const high = await sharp((await renderOne(buffer, { quality: 90 })).data).metadata();
    expect(low.chromaSubsampling).toBe('4:2:0');
    expect(high.chromaSubsampling).toBe('4:4:4');
    expect(low.isProgressive).toBe(true);
  });

  it('quality changes the bytes; PNG stays lossless', async () => {
    const buffer = await makeJpeg({ width: 600, height: 400, quality: 95 });
    const q40 = await renderOne(buffer, { quality: 40, width: 600, height: 600 });
    const q95 = await renderOne(buffer, { quality: 95, width: 600, height: 600 });
    expect(q40.data.length).toBeLessThan(q95.data.length);
    const png = await renderOne(await makePng({ width: 200, height: 100 }), { format: 'png', width: 200, height: 200 });
    const { data } = await sharp(png.data).raw().toBuffer({ resolveWithObject: true });
    const original = await sharp(await makePng({ width: 200, height: 100 }))
      .raw()
      .toBuffer();
    expect(data.equals(original)).toBe(true);
  });

  it('AVIF and WebP outputs decode to the picture', async () => {
    for (const [input, format] of [
      [await makeAvif({ width: 300, height: 200 }), 'webp'],
      [await makeWebp({ width: 300, height: 200 }), 'avif'],
    ] as const) {
      const variant = await renderOne(input, { format, quality: 90 });
      expect(variant.format).toBe(format);
      await expectUpright(variant.data, variant.width, variant.height, 16);
    }
  });
});
