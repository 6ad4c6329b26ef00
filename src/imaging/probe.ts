import sharp, { type Metadata } from 'sharp';
import { ThumbsmithError } from '../domain/errors.js';
import type { InputFormat } from '../domain/image.js';
import { type BmpHeader, readBmpHeader } from './decoders/bmp.js';
import { byteLength, type ImageInput, readAll, readHead, sharpSource } from './input.js';
import { assertHeaderWithinLimits, type ImagingLimits, MAX_SVG_BYTES, notAcceptedImage } from './limits.js';
import { decodeFailure } from './sharp-errors.js';
import { SNIFF_BYTES, sniffContainer } from './sniff.js';
import { assertStructureWithinLimits } from './structure.js';
import { sanitizeSvg } from './svg-sanitize.js';

/** What the header says about an image; no pixel has been decoded. */
export interface ProbeResult {
  readonly format: InputFormat;
  /** Width as displayed, i.e. after EXIF orientation. */
  readonly width: number;
  /** Height as displayed, i.e. after EXIF orientation. */
  readonly height: number;
  readonly frames: number;
  readonly hasAlpha: boolean;
  /** EXIF orientation 1-8 (1 when absent or already applied by the container). */
  readonly orientation: number;
  /** libvips colour space interpretation, e.g. `srgb`, `cmyk`, `b-w`, `rgb16`. */
  readonly space: string;
}

/**
 * Sniffs the leading bytes and reads the header, then checks the header against `limits`. Cheap: never decodes
 * pixels (SVG is parsed, as its header is the document).
 *
 * Throws `TS_UNSUPPORTED_MEDIA` (empty, text, HTML, video…), `TS_UNSUPPORTED_FORMAT` (a recognised image container
 * Thumbsmith cannot read), `TS_SVG_DISABLED`, `TS_UPLOAD_TOO_LARGE` (SVG over {@link MAX_SVG_BYTES}),
 * `TS_IMAGE_CORRUPT` (unreadable header), `TS_IMAGE_TOO_MANY_PIXELS`, `TS_IMAGE_TOO_MANY_FRAMES`, and before any decoder
 * runs `TS_IMAGE_TOO_COMPLEX` / `TS_IMAGE_METADATA_TOO_LARGE` (the structural walk, `structure.ts`).
 */
export async function probe(input: ImageInput, limits: ImagingLimits): Promise<ProbeResult> {
  const { format, width, height, frames, hasAlpha, orientation, space } = await inspect(input, limits);
  return { format, width, height, frames, hasAlpha, orientation, space };
}

/** How the pixels will be decoded: libvips directly, or a JS/wasm decoder feeding libvips raw pixels. */
export type Decoder = 'libvips' | 'bmp' | 'heic' | 'svg';

/** {@link ProbeResult} plus what rendering needs to decode without reading the header again. */
export interface InspectedSource extends ProbeResult {
  readonly decoder: Decoder;
  /** The sanitised SVG document (the original bytes are never rasterised). */
  readonly svg?: Buffer;
  readonly bmp?: BmpHeader;
  /** The embedded ICC profile of an HEIC, applied after heic-decode (which ignores it). */
  readonly icc?: Buffer;
}

export async function inspect(input: ImageInput, limits: ImagingLimits): Promise<InspectedSource> {
  const head = await readHead(input, SNIFF_BYTES);
  if (head.length === 0) throw notAcceptedImage('TS_UNSUPPORTED_MEDIA', 'The file is empty', limits);
  const sniffed = sniffContainer(head);
  if (!sniffed) {
    throw notAcceptedImage('TS_UNSUPPORTED_MEDIA', 'The content is not an image Thumbsmith can read', limits);
  }
  if (sniffed.kind === 'unsupported') {
    throw notAcceptedImage('TS_UNSUPPORTED_FORMAT', `${sniffed.name} images are not supported`, limits);
  }
  // Before any decoder: a small file must not be able to demand large work from one.
  await assertStructureWithinLimits(input, sniffed.format, limits);
  switch (sniffed.format) {
    case 'bmp':
      return inspectBmp(head, limits);
    case 'svg':
      return inspectSvg(input, limits);
    default:
      return inspectWithLibvips(input, sniffed.format, limits);
  }
}

function inspectBmp(head: Buffer, limits: ImagingLimits): InspectedSource {
  const header = readBmpHeader(head);
  assertHeaderWithinLimits({ ...header, frames: 1 }, limits);
  return {
    format: 'bmp',
    width: header.width,
    height: header.height,
    frames: 1,
    hasAlpha: header.hasAlpha,
    orientation: 1,
    space: 'srgb',
    decoder: 'bmp',
    bmp: header,
  };
}

async function inspectSvg(input: ImageInput, limits: ImagingLimits): Promise<InspectedSource> {
  if (!limits.allowSvg) throw new ThumbsmithError('TS_SVG_DISABLED');
  const size = await byteLength(input);
  if (size > MAX_SVG_BYTES) {
    throw new ThumbsmithError('TS_UPLOAD_TOO_LARGE', `SVG input is ${size} bytes; the limit is ${MAX_SVG_BYTES}`, {
      extensions: { limit: MAX_SVG_BYTES },
    });
  }
  const svg = Buffer.from(sanitizeSvg((await readAll(input)).toString('utf8')), 'utf8');
  const metadata = await readMetadata(svg);
  const header = { width: metadata.width, height: metadata.height, frames: 1 };
  assertHeaderWithinLimits(header, limits);
  return { format: 'svg', ...header, hasAlpha: true, orientation: 1, space: 'srgb', decoder: 'svg', svg };
}

async function inspectWithLibvips(
  input: ImageInput,
  sniffed: InputFormat,
  limits: ImagingLimits,
): Promise<InspectedSource> {
  const metadata = await readMetadata(sharpSource(input));
  const heifFamily = sniffed === 'heif' || sniffed === 'avif';
  const hevc = heifFamily && metadata.compression === 'hevc';
  // The codec decides within the HEIF family: a generic `mif1` file may hold AV1.
  const format: InputFormat = heifFamily ? (metadata.compression === 'av1' ? 'avif' : 'heif') : sniffed;
  // libheif applies the container's rotation itself, so HEIF/AVIF never need EXIF orientation.
  const orientation = heifFamily ? 1 : validOrientation(metadata.orientation);
  const width = heifFamily ? metadata.width : metadata.autoOrient.width;
  const height = heifFamily ? metadata.height : metadata.autoOrient.height;
  const frames = Math.max(1, metadata.pages ?? 1);
  assertHeaderWithinLimits({ width, height, frames }, limits);
  const base = { format, width, height, frames, hasAlpha: metadata.hasAlpha, orientation, space: metadata.space };
  if (!hevc) return { ...base, decoder: 'libvips' };
  return { ...base, decoder: 'heic', ...(metadata.icc ? { icc: metadata.icc } : {}) };
}

async function readMetadata(source: string | Buffer): Promise<Metadata> {
  try {
    // Header only. Pixel limits are checked by Thumbsmith against its own configuration, so libvips' default cap
    // must not turn a too-large image into a generic error here.
    return await sharp(source, { limitInputPixels: false }).metadata();
  } catch (error) {
    // The bytes were sniffed as an image libvips reads, so "unsupported" here means a header it cannot make sense of.
    const mapped = decodeFailure(error);
    throw mapped.code === 'TS_IMAGE_CORRUPT' || mapped.code === 'TS_UNSUPPORTED_FORMAT'
      ? new ThumbsmithError('TS_IMAGE_CORRUPT', 'The image header is corrupt or truncated', { cause: error })
      : mapped;
  }
}

function validOrientation(value: number | undefined): number {
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 8 ? value : 1;
}
