import type { Preset } from '../../domain/preset.js';
import { parsePresets } from '../presets.js';
import { flag, integer, type Reading, readAll, text, type ValuesOf, variable } from '../variable.js';

export const LIMITS = {
  maxUploadBytes: variable(
    'MAX_UPLOAD_BYTES',
    '52428800',
    integer(1, 10 * 1024 ** 3),
    'Largest upload in bytes, counted while streaming (50 MiB); also caps the body an upload by URL may fetch.',
  ),
  maxInputPixels: variable(
    'MAX_INPUT_PIXELS',
    '50000000',
    integer(1, 2 ** 40),
    'Largest input in pixels (width × height, per frame), read from the header before decoding.',
  ),
  maxFrames: variable('MAX_FRAMES', '100', integer(1, 100_000), 'Most frames an animated input may have.'),
  maxTotalPixels: variable(
    'MAX_TOTAL_PIXELS',
    '250000000',
    integer(1, 2 ** 42),
    'Pixel budget summed over all frames when a preset keeps animation.',
  ),
  maxOutputDimension: variable(
    'MAX_OUTPUT_DIMENSION',
    '4096',
    integer(16, 16384),
    'Largest width or height a preset may produce.',
  ),
  allowSvg: variable('ALLOW_SVG', 'false', flag, 'Accept SVG input (sanitised, then rasterised). Off by default.'),
  maxJpegScans: variable(
    'MAX_JPEG_SCANS',
    '100',
    integer(1, 1_000_000),
    'Most scans a JPEG may have (a progressive JPEG has about ten; each scan is a pass over the whole image), counted before decoding.',
  ),
  /** MAX_PNG_CHUNKS: PNG ancillary chunks, and the metadata entries of JPEG, GIF and WebP. */
  maxAncillaryChunks: variable(
    'MAX_PNG_CHUNKS',
    '256',
    integer(0, 10_000_000),
    'Most ancillary chunks in a PNG (text, ICC, EXIF…); also caps JPEG APPn/COM segments, GIF extension blocks and WebP metadata chunks.',
  ),
  maxMetadataBytes: variable(
    'MAX_METADATA_BYTES',
    '8388608',
    integer(0, Number.MAX_SAFE_INTEGER),
    'Most metadata bytes in an image (8 MiB): PNG text/ICC/EXIF chunks (compressed ones counted inflated), JPEG APPn/COM, GIF extensions, WebP ICCP/EXIF/XMP.',
  ),
};

/** Parsed by config/presets.ts, against the limits' largest output dimension. */
export const PRESETS = variable(
  'PRESETS',
  'small:150,medium:400,large:800',
  text,
  'Thumbnail presets: compact `name:W[xH][:fit][:format]` list, or a JSON array of preset objects (see README).',
);

export type LimitsConfig = ValuesOf<typeof LIMITS>;

/** What an image may be (the limits) and what is made of it (the presets, bounded by the limits). */
export function readImages({ read, problems }: Reading): { limits: LimitsConfig; presets: readonly Preset[] } {
  const limits = readAll(LIMITS, read);
  const { presets, errors } = parsePresets(read(PRESETS), limits.maxOutputDimension);
  problems.push(...errors);
  return { limits, presets };
}
