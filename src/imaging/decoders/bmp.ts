import { ThumbsmithError } from '../../domain/errors.js';
import { decodeOffThread } from './off-thread.js';
import type { RawImage } from './raw-image.js';

/** What the BMP file and info headers say; read without touching pixel data. */
export interface BmpHeader {
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: number;
  readonly hasAlpha: boolean;
  /** Where bmp-ts expects the pixels: it reads them right after the colour table and ignores the file's offset. */
  readonly expectedDataOffset: number;
  readonly dataOffset: number;
  readonly rowBytes: number;
  /** BI_RGB with a V2+ header: bmp-ts would read the (meaningless) header masks, so the defaults are written in. */
  readonly needsDefaultMasks: boolean;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHA_BITFIELDS = 6;
const INFO_HEADER = 40;
const V2_HEADER = 52;
const V3_HEADER = 56;
const V4_HEADER = 108;
const BIT_DEPTHS = new Set([1, 4, 8, 16, 24, 32]);

/** Parses the headers (the first ~140 bytes suffice); throws catalogue errors for corrupt or unsupported files. */
export function readBmpHeader(head: Buffer): BmpHeader {
  const corrupt = (why: string) => new ThumbsmithError('TS_IMAGE_CORRUPT', `The BMP header is invalid: ${why}`);
  if (head.length < 18) throw corrupt('it is truncated');
  const dataOffset = head.readUInt32LE(10);
  const headerSize = head.readUInt32LE(14);
  if (headerSize < INFO_HEADER || headerSize === 64) {
    // OS/2 and BITMAPCOREHEADER bitmaps: the decoder only reads Windows BITMAPINFOHEADER and later.
    throw new ThumbsmithError('TS_UNSUPPORTED_FORMAT', `BMP with a ${headerSize}-byte header is not supported`);
  }
  if (head.length < 14 + headerSize) throw corrupt('it is truncated');
  const width = head.readInt32LE(18);
  const signedHeight = head.readInt32LE(22);
  const bitsPerPixel = head.readUInt16LE(28);
  const compression = head.readUInt32LE(30);
  const colours = head.readUInt32LE(46);
  if (width < 1 || signedHeight === 0 || signedHeight === -0x80000000)
    throw corrupt(`dimensions ${width}x${signedHeight}`);
  if (!BIT_DEPTHS.has(bitsPerPixel)) throw corrupt(`${bitsPerPixel} bits per pixel`);
  if (compression === BI_RLE8 || compression === BI_RLE4 || compression > BI_BITFIELDS) {
    if (compression !== BI_ALPHA_BITFIELDS) {
      throw new ThumbsmithError('TS_UNSUPPORTED_FORMAT', `BMP compression method ${compression} is not supported`);
    }
  }
  if (bitsPerPixel <= 8 && colours > 2 ** bitsPerPixel) throw corrupt(`${colours} palette entries`);
  if (bitsPerPixel > 8 && colours > 256) throw corrupt(`${colours} colour table entries`);

  const hasMasks = headerSize > INFO_HEADER || compression === BI_BITFIELDS || compression === BI_ALPHA_BITFIELDS;
  const hasAlphaMask = headerSize > V2_HEADER || compression === BI_ALPHA_BITFIELDS;
  if (head.length < 14 + INFO_HEADER + (hasMasks ? 12 : 0) + (hasAlphaMask ? 4 : 0)) throw corrupt('it is truncated');
  const alphaMask = hasAlphaMask ? head.readUInt32LE(66) : 0;
  // bmp-ts moves its cursor exactly like this (fixed fields, masks, the rest of V4/V5, then the colour table).
  let expectedDataOffset = 14 + INFO_HEADER;
  if (hasMasks) expectedDataOffset += 12;
  if (hasAlphaMask) expectedDataOffset += 4;
  if (headerSize > V3_HEADER) expectedDataOffset += V4_HEADER - V3_HEADER;
  if (headerSize > V4_HEADER) expectedDataOffset += 16;
  if (bitsPerPixel <= 8 || colours > 0) expectedDataOffset += 4 * (colours === 0 ? 2 ** bitsPerPixel : colours);
  if (dataOffset < expectedDataOffset) throw corrupt('the pixel data overlaps the headers');

  return {
    width,
    height: Math.abs(signedHeight),
    bitsPerPixel,
    hasAlpha: (bitsPerPixel === 32 || bitsPerPixel === 16) && alphaMask !== 0 && compression !== BI_RGB,
    expectedDataOffset,
    dataOffset,
    rowBytes: Math.floor((bitsPerPixel * width + 31) / 32) * 4,
    needsDefaultMasks: compression === BI_RGB && headerSize > INFO_HEADER && bitsPerPixel >= 16,
  };
}

/**
 * Decodes a whole BMP to RGB(A) with bmp-ts, in a worker thread (a large palette BMP is seconds of JS) that is
 * terminated when `signal` aborts; callers check pixel limits first. Legacy 32-bit files with an alpha mask but
 * every alpha byte zero are treated as opaque, as browsers do.
 */
export async function decodeBmp(
  bytes: Buffer,
  header: BmpHeader = readBmpHeader(bytes),
  options: { signal?: AbortSignal | undefined } = {},
): Promise<RawImage> {
  const { height } = header;
  if (bytes.length < header.dataOffset + header.rowBytes * height) {
    throw new ThumbsmithError('TS_IMAGE_CORRUPT', 'The BMP pixel data is truncated');
  }
  const aligned =
    header.dataOffset === header.expectedDataOffset && !header.needsDefaultMasks
      ? bytes
      : Buffer.concat([bytes.subarray(0, header.expectedDataOffset), bytes.subarray(header.dataOffset)]);
  if (header.needsDefaultMasks) {
    // Red, green, blue; the alpha slot (V3+ headers only) is left as it is: BI_RGB has no alpha.
    const masks = header.bitsPerPixel === 32 ? [0xff0000, 0xff00, 0xff] : [0x7c00, 0x3e0, 0x1f];
    for (const [i, mask] of masks.entries()) aligned.writeUInt32LE(mask, 54 + 4 * i);
  }
  // bmp-ts (without toRGBA, whose palette paths are buggy) emits A,B,G,R per pixel; the worker reorders.
  return decodeOffThread('bmp', aligned, {
    alpha: header.hasAlpha ? 'nonzero' : 'drop',
    failure: 'The BMP pixel data could not be decoded',
    size: { width: header.width, height },
    signal: options.signal,
  });
}
