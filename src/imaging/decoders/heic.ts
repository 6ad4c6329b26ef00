import { ThumbsmithError } from '../../domain/errors.js';
import type { RawImage } from './raw-image.js';

/**
 * Decodes the primary image of an HEVC-coded HEIF with heic-decode (libheif compiled to wasm; libvips here has no
 * HEVC decoder). libheif applies the container's rotation and mirroring, so the result is already upright.
 * Synchronous wasm under a promise: callers check pixel limits from the header first.
 */
export async function decodeHeic(bytes: Buffer, options: { hasAlpha: boolean }): Promise<RawImage> {
  const { default: decode } = await import('heic-decode');
  let decoded: Awaited<ReturnType<typeof decode>>;
  try {
    decoded = await decode({ buffer: bytes });
  } catch (error) {
    throw new ThumbsmithError('TS_IMAGE_CORRUPT', 'The HEIC image could not be decoded', { cause: error });
  }
  const { width, height } = decoded;
  const rgba = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  if (options.hasAlpha) return { data: rgba, width, height, channels: 4 };
  const pixels = width * height;
  const data = Buffer.allocUnsafe(pixels * 3);
  for (let i = 0, o = 0; i < pixels; i++, o += 3) {
    data[o] = rgba[i * 4]!;
    data[o + 1] = rgba[i * 4 + 1]!;
    data[o + 2] = rgba[i * 4 + 2]!;
  }
  return { data, width, height, channels: 3 };
}
