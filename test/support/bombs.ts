/**
 * Structural bombs made in code: small files that are valid (or valid but for one lying length) and demand large work
 * from a decoder. Used by the structural-walk unit tests, the hostile end-to-end tests and the fuzz seeds.
 */
import { deflateSync } from 'node:zlib';
import { pngChunk } from './images.js';

/** `png` with `chunks` inserted right after its IHDR (where metadata usually is). */
export function withPngChunks(png: Buffer, chunks: readonly Buffer[]): Buffer {
  const afterIhdr = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, afterIhdr), ...chunks, png.subarray(afterIhdr)]);
}

/**
 * Text deflated: about 1 KB per MiB, so a bomb of gigabytes is a few MB. Letters, not zeros: libpng/libspng stop at a
 * NUL in text, so only real text makes a decoder keep every inflated byte (gigabytes of RSS in sharp's metadata()).
 */
function deflatedText(bytes: number): Buffer {
  return deflateSync(Buffer.alloc(bytes, 0x41), { level: 9 });
}

/** A zTXt chunk whose text inflates to `inflatedBytes`. */
export function ztxtChunk(inflatedBytes: number, keyword = 'Comment'): Buffer {
  return pngChunk('zTXt', Buffer.concat([Buffer.from(`${keyword}\0\0`, 'latin1'), deflatedText(inflatedBytes)]));
}

/** A compressed iTXt chunk whose text inflates to `inflatedBytes`. */
export function itxtChunk(inflatedBytes: number): Buffer {
  return pngChunk(
    'iTXt',
    Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\x01\0en\0\0', 'latin1'), deflatedText(inflatedBytes)]),
  );
}

/** An iCCP chunk whose "profile" inflates to `inflatedBytes`. */
export function iccpChunk(inflatedBytes: number): Buffer {
  return pngChunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflatedText(inflatedBytes)]));
}

/** The metadata decompression bomb of issue 13: `count` zTXt chunks of `inflatedBytes` each (one compressed copy). */
export function ztxtBomb(png: Buffer, count = 300, inflatedBytes = 20 * 1024 ** 2): Buffer {
  const chunk = ztxtChunk(inflatedBytes);
  return withPngChunks(
    png,
    Array.from({ length: count }, () => chunk),
  );
}

/** `count` tiny tEXt chunks. */
export function manyTextChunks(png: Buffer, count: number): Buffer {
  const chunk = pngChunk('tEXt', Buffer.from('k\0v', 'latin1'));
  return withPngChunks(
    png,
    Array.from({ length: count }, () => chunk),
  );
}

// ---- JPEG ---------------------------------------------------------------------------------------------------------

function segment(code: number, body: Buffer): Buffer {
  const header = Buffer.from([0xff, code, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

/** Entropy-coded bits, MSB first, with 0xFF stuffing and 1-padding at the end. */
class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: number, length: number): void {
    for (let bit = length - 1; bit >= 0; bit--) {
      this.current = (this.current << 1) | ((value >> bit) & 1);
      if (++this.used === 8) this.flushByte();
    }
  }

  /** Appends `count` zero bits fast (whole zero bytes need no stuffing). */
  zeros(count: number): void {
    while (count > 0 && this.used !== 0) {
      this.write(0, 1);
      count--;
    }
    const whole = Math.floor(count / 8);
    for (let i = 0; i < whole; i++) this.bytes.push(0);
    this.write(0, count - whole * 8);
  }

  finish(): Buffer {
    if (this.used > 0) this.write((1 << (8 - this.used)) - 1, 8 - this.used);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0);
    this.current = 0;
    this.used = 0;
  }
}

/** The largest run an EOB symbol can code (EOB14 with 14 extra bits). */
const MAX_EOB_RUN = 32_767;

/** AC scan data saying "the band is zero in every one of `blocks` blocks": EOB runs, symbol r coded as 4 bits r. */
function eobRuns(blocks: number): Buffer {
  const bits = new BitWriter();
  for (let left = blocks; left > 0; ) {
    const run = Math.min(left, MAX_EOB_RUN);
    const r = Math.floor(Math.log2(run));
    bits.write(r, 4);
    bits.write(run - (1 << r), r);
    left -= run;
  }
  return bits.finish();
}

/**
 * The progressive JPEG CPU bomb of issue 13, valid to the letter: a flat grey `width`x`height` YCbCr image (4:4:4)
 * whose progression refines every AC coefficient of every component one bit at a time, from bit 13 down to 0:
 * 1 DC scan + 3 × 63 × 14 AC scans = 2647 scans. Each AC scan is a few dozen bytes of EOB runs but a pass over every
 * block of its component for the decoder. 7000x7000 is about 300 KB (mostly the DC scan).
 */
export function jpegScanBomb(width = 7000, height = 7000, bitLevels = 14): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const frame = Buffer.alloc(6 + 3 * 3);
  frame[0] = 8;
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  frame[5] = 3;
  for (let c = 0; c < 3; c++) frame.set([c + 1, 0x11, 0], 6 + c * 3);
  // DC table 0: one symbol (category 0) coded "0". AC table 0: EOB0..EOB14 (symbols r<<4) coded as 4-bit r.
  const dcTable = Buffer.from([0x00, 1, ...Array<number>(15).fill(0), 0x00]);
  const acCounts = Array<number>(16).fill(0);
  acCounts[3] = 15;
  const acTable = Buffer.from([0x10, ...acCounts, ...Array.from({ length: 15 }, (_, r) => r << 4)]);
  const dcScan = Buffer.concat([
    segment(0xda, Buffer.from([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0x00])),
    (() => {
      const bits = new BitWriter();
      bits.zeros(blocks * 3); // every DC difference is 0: a flat image at the level shift (grey)
      return bits.finish();
    })(),
  ]);
  const runs = eobRuns(blocks);
  const acScans: Buffer[] = [];
  for (let component = 1; component <= 3; component++) {
    for (let k = 1; k <= 63; k++) {
      for (let al = bitLevels - 1; al >= 0; al--) {
        const ah = al === bitLevels - 1 ? 0 : al + 1;
        acScans.push(segment(0xda, Buffer.from([1, component, 0x00, k, k, (ah << 4) | al])), runs);
      }
    }
  }
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    segment(0xc2, frame),
    segment(0xc4, Buffer.concat([dcTable, acTable])),
    dcScan,
    ...acScans,
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** `jpeg` with `count` APPn/COM segments of `bytes` each inserted after SOI. */
export function withJpegSegments(jpeg: Buffer, count: number, bytes: number, code = 0xfe): Buffer {
  const inserted = segment(code, Buffer.alloc(bytes, 0x41));
  return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: count }, () => inserted), jpeg.subarray(2)]);
}

// ---- GIF and WebP -------------------------------------------------------------------------------------------------

/** `gif` with `count` comment extensions of `bytes` each (in sub-blocks of up to 255) after its global colour table. */
export function withGifComments(gif: Buffer, count: number, bytes: number): Buffer {
  const flags = gif[10]!;
  const afterHeader = 13 + (flags & 0x80 ? 3 << ((flags & 0x07) + 1) : 0);
  const subBlocks: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 255) {
    const size = Math.min(255, left);
    subBlocks.push(Buffer.from([size]), Buffer.alloc(size, 0x41));
  }
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe]), ...subBlocks, Buffer.from([0])]);
  return Buffer.concat([
    gif.subarray(0, afterHeader),
    ...Array.from({ length: count }, () => comment),
    gif.subarray(afterHeader),
  ]);
}

/** A RIFF chunk (padded to an even size). */
export function webpChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, 'latin1');
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, Buffer.alloc(data.length & 1)]);
}

/** `webp` with `chunks` appended and the RIFF size fixed. */
export function withWebpChunks(webp: Buffer, chunks: readonly Buffer[]): Buffer {
  const file = Buffer.concat([webp, ...chunks]);
  file.writeUInt32LE(file.length - 8, 4);
  return file;
}

// ---- TIFF ---------------------------------------------------------------------------------------------------------

/** A little-endian classic `tiff` whose first IFD is followed by `pages` copies of it, chained (all one strip). */
export function withTiffPages(tiff: Buffer, pages: number): Buffer {
  const first = tiff.readUInt32LE(4);
  const size = 2 + tiff.readUInt16LE(first) * 12 + 4;
  const ifd = tiff.subarray(first, first + size);
  const chain = Buffer.alloc(pages * size);
  for (let i = 0; i < pages; i++) {
    ifd.copy(chain, i * size);
    chain.writeUInt32LE(i + 1 < pages ? tiff.length + (i + 1) * size : 0, (i + 1) * size - 4);
  }
  const file = Buffer.concat([tiff, chain]);
  file.writeUInt32LE(tiff.length, first + size - 4);
  return file;
}
