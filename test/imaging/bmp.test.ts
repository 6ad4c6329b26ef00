import { describe, expect, it } from 'vitest';
import { decodeBmp, readBmpHeader } from '../../src/imaging/decoders/bmp.js';
import { makeBmp, picturePixels, QUADRANT_COLOURS } from '../support/images.js';

interface BmpSpec {
  width: number;
  height: number;
  bpp: number;
  compression?: number;
  headerSize?: number;
  palette?: ReadonlyArray<readonly [number, number, number]>;
  /** Red, green, blue, alpha masks written after the 40-byte fields. */
  masks?: readonly [number, number, number, number];
  /** Bytes between the colour table and the pixel data. */
  gap?: number;
  /** Row `y` (top = 0), unpadded. */
  row: (y: number) => Buffer;
}

/** A BMP with any header size, depth and layout, bottom-up. */
function bmpFile(spec: BmpSpec): Buffer {
  const headerSize = spec.headerSize ?? 40;
  const palette = spec.palette ?? [];
  const rowBytes = Math.floor((spec.bpp * spec.width + 31) / 32) * 4;
  const maskBytes = headerSize === 40 && spec.compression === 3 ? 12 : 0;
  const tableOffset = 14 + headerSize + maskBytes;
  const dataOffset = tableOffset + palette.length * 4 + (spec.gap ?? 0);
  const file = Buffer.alloc(dataOffset + rowBytes * spec.height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(dataOffset, 10);
  file.writeUInt32LE(headerSize, 14);
  file.writeInt32LE(spec.width, 18);
  file.writeInt32LE(spec.height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(spec.bpp, 28);
  file.writeUInt32LE(spec.compression ?? 0, 30);
  file.writeUInt32LE(palette.length, 46);
  spec.masks?.forEach((mask, i) => {
    if (54 + 4 * i + 4 <= 14 + headerSize + maskBytes) file.writeUInt32LE(mask >>> 0, 54 + 4 * i);
  });
  for (const [i, [r, g, b]] of palette.entries()) file.set([b, g, r, 0], tableOffset + 4 * i);
  for (let y = 0; y < spec.height; y++) spec.row(y).copy(file, dataOffset + (spec.height - 1 - y) * rowBytes);
  return file;
}

function rgbAt(raw: { data: Buffer; width: number; channels: number }, x: number, y: number): number[] {
  const i = (y * raw.width + x) * raw.channels;
  return [...raw.data.subarray(i, i + raw.channels)];
}

describe('BMP decoding', () => {
  it('reads the header of every common variant', () => {
    expect(readBmpHeader(makeBmp({ width: 30, height: 20 }))).toMatchObject({
      width: 30,
      height: 20,
      bitsPerPixel: 24,
      hasAlpha: false,
    });
    expect(readBmpHeader(makeBmp({ width: 30, height: 20, topDown: true }))).toMatchObject({ width: 30, height: 20 });
    expect(readBmpHeader(makeBmp({ width: 30, height: 20, bitsPerPixel: 32, alpha: true }))).toMatchObject({
      bitsPerPixel: 32,
      hasAlpha: true,
    });
  });

  it('decodes 24-bit, 8-bit palette and 32-bit with alpha to the right pixels', async () => {
    const expected = picturePixels(30, 20);
    for (const options of [{}, { bitsPerPixel: 8 as const }, { topDown: true }]) {
      const raw = await decodeBmp(makeBmp({ width: 30, height: 20, ...options }));
      expect(raw.channels, JSON.stringify(options)).toBe(3);
      expect(raw.data.equals(expected), JSON.stringify(options)).toBe(true);
    }
    // 32-bit with an alpha mask keeps its alpha channel (render drops it later when every pixel is opaque).
    const opaque = await decodeBmp(makeBmp({ width: 30, height: 20, bitsPerPixel: 32 }));
    expect(opaque.channels).toBe(4);
    expect(rgbAt(opaque, 27, 17)).toEqual([...QUADRANT_COLOURS.bottomRight, 255]);
    const alpha = await decodeBmp(makeBmp({ width: 30, height: 20, bitsPerPixel: 32, alpha: true }));
    expect(alpha.channels).toBe(4);
    expect(rgbAt(alpha, 2, 2)).toEqual([...QUADRANT_COLOURS.topLeft, 255]);
    expect(rgbAt(alpha, 27, 17)).toEqual([...QUADRANT_COLOURS.bottomRight, 0]);
  });

  it('1-bit and 4-bit palettes', async () => {
    const palette = [
      [0, 0, 0],
      [255, 128, 0],
    ] as const;
    const one = await decodeBmp(
      bmpFile({ width: 10, height: 2, bpp: 1, palette, row: (y) => Buffer.from([y === 0 ? 0b10000000 : 0x7f, 0xc0]) }),
    );
    expect(rgbAt(one, 0, 0)).toEqual([255, 128, 0]);
    expect(rgbAt(one, 1, 0)).toEqual([0, 0, 0]);
    expect(rgbAt(one, 0, 1)).toEqual([0, 0, 0]);
    expect(rgbAt(one, 8, 1)).toEqual([255, 128, 0]);
    const four = await decodeBmp(
      bmpFile({
        width: 3,
        height: 1,
        bpp: 4,
        palette: [...palette, [10, 20, 30]],
        row: () => Buffer.from([0x21, 0x00]),
      }),
    );
    expect([rgbAt(four, 0, 0), rgbAt(four, 1, 0), rgbAt(four, 2, 0)]).toEqual([
      [10, 20, 30],
      [255, 128, 0],
      [0, 0, 0],
    ]);
  });

  it('16-bit 5-5-5', async () => {
    const pixel = (r: number, g: number, b: number) => (r << 10) | (g << 5) | b;
    const row = Buffer.alloc(4);
    row.writeUInt16LE(pixel(31, 0, 0), 0);
    row.writeUInt16LE(pixel(0, 0, 31), 2);
    const raw = await decodeBmp(bmpFile({ width: 2, height: 1, bpp: 16, row: () => row }));
    expect(rgbAt(raw, 0, 0)[0]).toBeGreaterThanOrEqual(240);
    expect(rgbAt(raw, 1, 0)[2]).toBeGreaterThanOrEqual(240);
  });

  it('32-bit BI_RGB with a V5 header and zero masks uses the default layout', async () => {
    const row = Buffer.from([10, 20, 30, 0, 40, 50, 60, 0]); // B, G, R, unused
    const raw = await decodeBmp(
      bmpFile({ width: 2, height: 1, bpp: 32, headerSize: 124, masks: [0, 0, 0, 0], row: () => row }),
    );
    expect(raw.channels).toBe(3);
    expect([rgbAt(raw, 0, 0), rgbAt(raw, 1, 0)]).toEqual([
      [30, 20, 10],
      [60, 50, 40],
    ]);
  });

  it('an alpha mask with every alpha byte zero is opaque (legacy writers)', async () => {
    const row = Buffer.from([10, 20, 30, 0, 40, 50, 60, 0]);
    const raw = await decodeBmp(
      bmpFile({
        width: 2,
        height: 1,
        bpp: 32,
        compression: 3,
        headerSize: 108,
        masks: [0xff0000, 0xff00, 0xff, 0xff000000],
        row: () => row,
      }),
    );
    expect(raw.channels).toBe(3);
    expect(rgbAt(raw, 0, 0)).toEqual([30, 20, 10]);
  });

  it('honours the pixel data offset when there is a gap after the colour table', async () => {
    const raw = await decodeBmp(
      bmpFile({ width: 2, height: 1, bpp: 24, gap: 10, row: () => Buffer.from([1, 2, 3, 4, 5, 6, 0, 0]) }),
    );
    expect([rgbAt(raw, 0, 0), rgbAt(raw, 1, 0)]).toEqual([
      [3, 2, 1],
      [6, 5, 4],
    ]);
  });
});
