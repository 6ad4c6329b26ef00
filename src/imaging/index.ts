/**
 * Thumbsmith imaging: sniff, probe (header + limits, no decode) and render (one decode, every preset). Pure: no HTTP,
 * database or queue; the only I/O is reading the input bytes.
 */
export { configureImaging } from './configure.js';
export { ENCODER_DEFAULTS, JPEG_FULL_CHROMA_QUALITY } from './encoders.js';
export { type Imager, inProcessImager, type ProbeOptions, type RenderOptions } from './imager.js';
export type { ImageInput } from './input.js';
export {
  acceptedFormats,
  DEFAULT_IMAGING_LIMITS,
  type ImagingLimits,
  MAX_SVG_BYTES,
  notAcceptedImage,
} from './limits.js';
export { resolveOutputFormat } from './output-format.js';
export type { RenderedVariant, RenderObserver } from './pipeline.js';
export { ImagingPool, type ImagingPoolOptions } from './pool/imaging-pool.js';
export { type ProbeResult, probe } from './probe.js';
export { render } from './render.js';
export { SNIFF_BYTES, type SniffResult, sniff, sniffContainer } from './sniff.js';
export { sanitizeSvg } from './svg-sanitize.js';
