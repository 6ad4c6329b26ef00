/**
 * The structural walk: before any decoder sees a file, its container structure (PNG chunks, JPEG marker segments and
 * scans, GIF blocks, WebP chunks, the TIFF page chain) is walked once and counted against the limits. It stops small
 * files that demand large work from a decoder: metadata that inflates to gigabytes, thousands of progressive scans,
 * millions of metadata entries or pages.
 *
 * The walk is itself bounded: it reads the input in windows of `WINDOW_BYTES` (plus at most one compressed metadata
 * chunk, never larger than the metadata budget), is linear in the file size, never allocates from a declared length
 * beyond what the budget allows, and inflates at most the remaining budget. It is not a validator: a length that runs
 * past the end of the file stops the walk (what was seen is all there is), and the decoder then reports the damage as
 * it always has. Only a metadata chunk's declared length counts even when it runs past the end: it is what a decoder
 * would allocate.
 *
 * One walker per format lives in structure/ (jpeg.ts, png.ts, gif.ts, webp.ts, tiff.ts); they share the windowed
 * reader (byte-reader.ts) and the counters that throw the moment a limit is passed (budget.ts).
 */
import type { InputFormat } from '../domain/image.js';
import type { ImageInput } from './input.js';
import type { ImagingLimits } from './limits.js';
import { StructureBudget } from './structure/budget.js';
import { ByteReader } from './structure/byte-reader.js';
import { walkGif } from './structure/gif.js';
import { walkJpeg } from './structure/jpeg.js';
import { walkPng } from './structure/png.js';
import { walkTiff } from './structure/tiff.js';
import { walkWebp } from './structure/webp.js';

/**
 * Throws `TS_IMAGE_TOO_COMPLEX` (too many JPEG scans or metadata entries), `TS_IMAGE_METADATA_TOO_LARGE` (too many
 * metadata bytes, compressed PNG chunks counted inflated) or `TS_IMAGE_TOO_MANY_FRAMES` (GIF and WebP frames
 * and TIFF pages counted in the walk). Formats without a walk (HEIF/AVIF, BMP, SVG) pass unchanged.
 */
export async function assertStructureWithinLimits(
  input: ImageInput,
  format: InputFormat,
  limits: ImagingLimits,
): Promise<void> {
  const walk = WALKS[format];
  if (!walk) return;
  const reader = await ByteReader.open(input);
  try {
    await walk(reader, new StructureBudget(format, limits));
  } finally {
    await reader.close();
  }
}

type Walk = (reader: ByteReader, budget: StructureBudget) => Promise<void>;

const WALKS: Partial<Record<InputFormat, Walk>> = {
  jpeg: walkJpeg,
  png: walkPng,
  gif: walkGif,
  webp: walkWebp,
  tiff: walkTiff,
};
