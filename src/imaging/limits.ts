import { ThumbsmithError } from '../domain/errors.js';
import { INPUT_FORMATS, type InputFormat } from '../domain/image.js';
import type { Preset } from '../domain/preset.js';

/** Limits checked against the header before any pixel is decoded. Values come from configuration. */
export interface ImagingLimits {
  /** Largest width × height of one frame, read from the header before decoding. @defaultValue 50e6 */
  readonly maxInputPixels: number;
  /** Most frames an animated input may have. @defaultValue 100 */
  readonly maxFrames: number;
  /** Largest sum of pixels over all frames when a preset keeps the animation. @defaultValue 250e6 */
  readonly maxTotalPixels: number;
  /** Largest width or height a preset may produce. @defaultValue 4096 */
  readonly maxOutputDimension: number;
  /** Accept SVG input (sanitised, then rasterised). @defaultValue false */
  readonly allowSvg: boolean;
  /** Most scans (SOS markers) a JPEG may have; each scan is a pass over every block. @defaultValue 100 */
  readonly maxJpegScans: number;
  /**
   * Most metadata entries: PNG ancillary chunks, JPEG APPn/COM segments, GIF extension blocks, WebP chunks other than
   * image data. Decoders keep a record per entry. @defaultValue 256
   */
  readonly maxAncillaryChunks: number;
  /** Most metadata bytes in total, compressed PNG chunks counted inflated. @defaultValue 8 MiB */
  readonly maxMetadataBytes: number;
}

export const DEFAULT_IMAGING_LIMITS: ImagingLimits = Object.freeze({
  maxInputPixels: 50e6,
  maxFrames: 100,
  maxTotalPixels: 250e6,
  maxOutputDimension: 4096,
  allowSvg: false,
  maxJpegScans: 100,
  maxAncillaryChunks: 256,
  maxMetadataBytes: 8 * 1024 * 1024,
});

/** The input formats accepted under `limits`, in the order of INPUT_FORMATS (SVG only when it is allowed). */
export function acceptedFormats(limits: Pick<ImagingLimits, 'allowSvg'>): InputFormat[] {
  return INPUT_FORMATS.filter((format) => format !== 'svg' || limits.allowSvg);
}

/**
 * A refusal of bytes that are not an accepted image (`TS_UNSUPPORTED_MEDIA`, or `TS_UNSUPPORTED_FORMAT` for a
 * recognised container Thumbsmith does not read) that says what is accepted, in words and as `acceptedFormats`.
 */
export function notAcceptedImage(
  code: 'TS_UNSUPPORTED_MEDIA' | 'TS_UNSUPPORTED_FORMAT',
  what: string,
  limits: Pick<ImagingLimits, 'allowSvg'>,
): ThumbsmithError {
  const accepted = acceptedFormats(limits);
  return new ThumbsmithError(code, `${what}; accepted formats: ${accepted.join(', ')}.`, {
    extensions: { acceptedFormats: accepted },
  });
}

/** SVG is text that a renderer parses in full, so its size is capped by bytes too (2 MiB). */
export const MAX_SVG_BYTES = 2 * 1024 * 1024;

/** Throws when the header says the image is too large to decode safely. */
export function assertHeaderWithinLimits(
  header: { width: number; height: number; frames: number },
  limits: ImagingLimits,
): void {
  const { width, height, frames } = header;
  if (!(width >= 1 && height >= 1 && Number.isSafeInteger(width) && Number.isSafeInteger(height))) {
    throw new ThumbsmithError('TS_IMAGE_CORRUPT', `The image header declares invalid dimensions ${width}x${height}`);
  }
  if (width * height > limits.maxInputPixels) {
    throw new ThumbsmithError(
      'TS_IMAGE_TOO_MANY_PIXELS',
      `The image is ${width}x${height} (${width * height} pixels); the limit is ${limits.maxInputPixels}`,
      { extensions: { limit: limits.maxInputPixels } },
    );
  }
  if (frames > limits.maxFrames) {
    throw new ThumbsmithError(
      'TS_IMAGE_TOO_MANY_FRAMES',
      `The image has ${frames} frames; the limit is ${limits.maxFrames}`,
      { extensions: { limit: limits.maxFrames } },
    );
  }
}

/** Throws when keeping every frame would exceed the total pixel budget. */
export function assertAnimationWithinLimits(
  header: { width: number; height: number; frames: number },
  limits: ImagingLimits,
): void {
  const total = header.width * header.height * header.frames;
  if (total > limits.maxTotalPixels) {
    throw new ThumbsmithError(
      'TS_IMAGE_TOO_MANY_PIXELS',
      `Keeping the animation needs ${total} pixels over ${header.frames} frames; the limit is ${limits.maxTotalPixels}`,
      { extensions: { limit: limits.maxTotalPixels } },
    );
  }
}

/** Throws when a preset's box is not a positive integer size within `maxOutputDimension`. */
export function assertPresetWithinLimits(preset: Preset, limits: ImagingLimits): void {
  const { name, width, height } = preset;
  const valid = (n: number) => Number.isInteger(n) && n >= 1 && n <= limits.maxOutputDimension;
  if (!valid(width) || !valid(height)) {
    throw new ThumbsmithError(
      'TS_IMAGE_DIMENSIONS',
      `Preset "${name}" asks for ${width}x${height}; sizes must be whole numbers from 1 to ${limits.maxOutputDimension}`,
      { extensions: { limit: limits.maxOutputDimension } },
    );
  }
}
