import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';
import sharp from 'sharp';
import type { RawImage } from './raw-image.js';

const deflateAsync = promisify(deflate);

/**
 * Wraps decoded pixels in a fast lossless PNG that carries `icc` (an iCCP chunk), so that sharp converts them from
 * that profile to sRGB like any tagged image. sharp's raw input has no way to name an input profile.
 */
export async function tagWithIcc(raw: RawImage, icc: Buffer): Promise<Buffer> {
  const png = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } })
    .png({ compressionLevel: 0, adaptiveFiltering: false })
    .toBuffer();
  const body = Buffer.concat([Buffer.from('icc\0\0', 'latin1'), await deflateAsync(icc)]);
  const ihdrEnd = 8 + 8 + 13 + 4; // signature, IHDR length+type, IHDR data, CRC
  return Buffer.concat([png.subarray(0, ihdrEnd), pngChunk('iCCP', body), png.subarray(ihdrEnd)]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}
