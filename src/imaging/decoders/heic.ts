import { decodeOffThread } from './off-thread.js';
import type { RawImage } from './raw-image.js';

/**
 * Decodes the primary image of an HEVC-coded HEIF with heic-decode (libheif compiled to wasm; libvips here has no
 * HEVC decoder). libheif applies the container's rotation and mirroring, so the result is already upright.
 * The wasm runs in a worker thread (a 12 MP photo is seconds of CPU) and is terminated when `signal` aborts; callers
 * check pixel limits from the header first.
 */
export async function decodeHeic(
  bytes: Buffer,
  options: { hasAlpha: boolean; signal?: AbortSignal | undefined },
): Promise<RawImage> {
  return decodeOffThread('heic', bytes, {
    alpha: options.hasAlpha ? 'keep' : 'drop',
    failure: 'The HEIC image could not be decoded',
    signal: options.signal,
  });
}
