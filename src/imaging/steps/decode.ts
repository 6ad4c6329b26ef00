import sharp, { type Sharp, type SharpOptions } from 'sharp';
import { ThumbsmithError } from '../../domain/errors.js';
import { decodeBmp } from '../decoders/bmp.js';
import { decodeHeic } from '../decoders/heic.js';
import type { RawImage } from '../decoders/raw-image.js';
import { tagWithIcc } from '../decoders/tag-icc.js';
import type { RenderGuard } from '../guard.js';
import { type ImageInput, readAll, sharpSource } from '../input.js';
import type { RenderStep } from '../pipeline.js';
import { required } from '../pipeline.js';
import type { InspectedSource } from '../probe.js';
import { decodeFailure } from '../sharp-errors.js';

/**
 * Decodes once with shrink-on-load (libvips' JPEG/WebP/SVG loaders decode at a reduced scale when the target is
 * smaller), applies EXIF orientation exactly once, converts to sRGB through the embedded ICC profile (or libvips'
 * CMYK default) and ends as raw 8-bit pixels in memory.
 */
export const decodeStep: RenderStep = {
  name: 'decode',
  async run(context) {
    const plan = required(context.plan, 'plan', 'decode');
    if (!plan.needsStill) return;
    const source = required(context.source, 'source', 'decode');
    const pipeline = await openStill(context.input, source, context.limits.maxInputPixels, context.guard);
    const resized =
      plan.decodeWidth === source.width && plan.decodeHeight === source.height
        ? pipeline
        : pipeline.resize(plan.decodeWidth, plan.decodeHeight, { fit: 'fill', fastShrinkOnLoad: true });
    const { data, info } = await context.guard
      .race(
        'decode',
        resized
          .toColourspace('srgb')
          .timeout({ seconds: context.guard.sharpTimeoutSeconds })
          .raw({ depth: 'uchar' })
          .toBuffer({ resolveWithObject: true }),
      )
      .catch((error: unknown) => {
        throw decodeFailure(error);
      });
    if (info.channels !== 3 && info.channels !== 4) {
      throw new ThumbsmithError('TS_INTERNAL', `Decoding produced ${info.channels} channels`);
    }
    context.decoded = {
      data,
      width: info.width,
      height: info.height,
      channels: info.channels,
      hasAlpha: info.channels === 4 && !isOpaque(data),
    };
  },
};

/** A sharp pipeline on the first frame, oriented; BMP and HEIC go through their JS/wasm decoders first. */
async function openStill(
  input: ImageInput,
  source: InspectedSource,
  maxInputPixels: number,
  guard: RenderGuard,
): Promise<Sharp> {
  const options: SharpOptions = {
    failOn: 'error',
    limitInputPixels: Math.max(1, Math.floor(maxInputPixels)),
    sequentialRead: true,
    pages: 1,
    page: 0,
  };
  switch (source.decoder) {
    case 'libvips':
      return sharp(sharpSource(input), options).autoOrient();
    case 'svg':
      return sharp(required(source.svg, 'source.svg', 'decode'), options);
    case 'bmp': {
      const raw = await guard.race(
        'decode',
        readAll(input).then((bytes) => decodeBmp(bytes, source.bmp, { signal: guard.signal })),
      );
      return fromRaw(matchingHeader(raw, source), options);
    }
    case 'heic': {
      const bytes = await guard.race('decode', readAll(input));
      const decoding = decodeHeic(bytes, { hasAlpha: source.hasAlpha, signal: guard.signal });
      const raw = matchingHeader(await guard.race('decode', decoding), source);
      if (!source.icc) return fromRaw(raw, options);
      return sharp(await guard.race('decode', tagWithIcc(raw, source.icc)), options);
    }
  }
}

/** The plan was made from the header; pixels of another size would be stretched, so they are refused. */
function matchingHeader(raw: RawImage, source: InspectedSource): RawImage {
  if (raw.width !== source.width || raw.height !== source.height) {
    throw new ThumbsmithError(
      'TS_IMAGE_CORRUPT',
      `The header says ${source.width}x${source.height} but the pixels are ${raw.width}x${raw.height}`,
    );
  }
  return raw;
}

function fromRaw(raw: RawImage, options: SharpOptions): Sharp {
  const { width, height, channels } = raw;
  return sharp(raw.data, { ...options, raw: { width, height, channels } });
}

/** True when every alpha byte of interleaved RGBA is 255. */
function isOpaque(rgba: Buffer): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}
