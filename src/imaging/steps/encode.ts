import sharp, { type Sharp } from 'sharp';
import { CONTENT_TYPES, type Gravity, type Preset } from '../../domain/preset.js';
import { encode } from '../encoders.js';
import type { RenderGuard } from '../guard.js';
import { sharpSource } from '../input.js';
import { resolveOutputFormat } from '../output-format.js';
import type { RenderContext, RenderedVariant, RenderStep } from '../pipeline.js';
import { observed, required } from '../pipeline.js';
import type { DecodedImage, Geometry, PresetPlan } from '../render-types.js';
import { decodeFailure, encodeFailure } from '../sharp-errors.js';

/**
 * Every preset from the one decode (resize → flatten → encode, in parallel on libuv's pool); presets that keep an
 * animation decode their frames on their own.
 */
export const encodeStep: RenderStep = {
  name: 'encode',
  async run(context) {
    const plan = required(context.plan, 'plan', 'encode');
    context.variants = await Promise.all(
      plan.presets.map((presetPlan) =>
        observed(context.observe, { step: 'encode', preset: presetPlan.preset.name }, () =>
          presetPlan.animated
            ? renderAnimated(context, presetPlan)
            : renderStill(required(context.decoded, 'decoded', 'encode'), presetPlan, context.guard),
        ),
      ),
    );
  },
};

async function renderStill(decoded: DecodedImage, plan: PresetPlan, guard: RenderGuard): Promise<RenderedVariant> {
  const { preset, geometry } = plan;
  const background = parseBackground(preset.background);
  const padsTransparent = geometry.fit === 'contain' && background.alpha < 1 && hasPadding(geometry);
  const format = resolveOutputFormat(preset, decoded.hasAlpha || padsTransparent);
  const { data, width, height, channels } = decoded;
  let image = sharp(data, { raw: { width, height, channels } });
  if (channels === 4 && !decoded.hasAlpha) image = image.removeAlpha();
  image = resize(image, geometry, preset.gravity, background);
  if (format === 'jpeg') image = image.flatten({ background: { r: background.r, g: background.g, b: background.b } });
  return finish(
    guard,
    preset,
    format,
    encode(image.timeout({ seconds: guard.sharpTimeoutSeconds }), format, preset),
    encodeFailure,
  );
}

async function renderAnimated(context: RenderContext, plan: PresetPlan): Promise<RenderedVariant> {
  const { preset, geometry } = plan;
  const format = resolveOutputFormat(preset, true, true);
  const image = sharp(sharpSource(context.input), {
    animated: true,
    failOn: 'error',
    limitInputPixels: Math.max(1, Math.floor(context.limits.maxTotalPixels)),
  });
  // libvips resizes, crops and pads each frame; smart crops look at the whole strip, so they fall back to centre.
  const gravity = preset.gravity === 'attention' || preset.gravity === 'entropy' ? 'center' : preset.gravity;
  const resized = resize(image, geometry, gravity, parseBackground(preset.background));
  const encoded = encode(resized.timeout({ seconds: context.guard.sharpTimeoutSeconds }), format, preset);
  return finish(context.guard, preset, format, encoded, decodeFailure);
}

async function finish(
  guard: RenderGuard,
  preset: Preset,
  format: RenderedVariant['format'],
  image: Sharp,
  mapError: (error: unknown) => Error,
): Promise<RenderedVariant> {
  const { data, info } = await guard
    .race(`encoding "${preset.name}"`, image.toBuffer({ resolveWithObject: true }))
    .catch((error: unknown) => {
      throw mapError(error);
    });
  const height = info.pageHeight ?? info.height;
  return { preset, data, width: info.width, height, format, contentType: CONTENT_TYPES[format] };
}

function resize(image: Sharp, geometry: Geometry, gravity: Gravity, background: Rgba): Sharp {
  switch (geometry.fit) {
    case 'inside':
      return image.resize(geometry.width, geometry.height, { fit: 'fill' });
    case 'cover':
      return image.resize(geometry.width, geometry.height, { fit: 'cover', position: position(gravity) });
    case 'contain': {
      const resized = image.resize(geometry.innerWidth, geometry.innerHeight, { fit: 'fill' });
      if (!hasPadding(geometry)) return resized;
      const left = Math.floor((geometry.width - geometry.innerWidth) / 2);
      const top = Math.floor((geometry.height - geometry.innerHeight) / 2);
      return resized.extend({
        left,
        top,
        right: geometry.width - geometry.innerWidth - left,
        bottom: geometry.height - geometry.innerHeight - top,
        background,
      });
    }
  }
}

function hasPadding(geometry: Geometry): boolean {
  return geometry.innerWidth !== geometry.width || geometry.innerHeight !== geometry.height;
}

function position(gravity: Gravity): string | number {
  if (gravity === 'attention') return sharp.strategy.attention;
  if (gravity === 'entropy') return sharp.strategy.entropy;
  return gravity === 'center' ? 'centre' : gravity;
}

interface Rgba {
  r: number;
  g: number;
  b: number;
  alpha: number;
}

/** `#rrggbb` or `#rrggbbaa` (validated by configuration); anything else falls back to opaque white. */
function parseBackground(hex: string): Rgba {
  const match = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(hex);
  if (!match) return { r: 255, g: 255, b: 255, alpha: 1 };
  const rgb = Number.parseInt(match[1]!, 16);
  const alpha = match[2] === undefined ? 1 : Number.parseInt(match[2], 16) / 255;
  return { r: (rgb >> 16) & 255, g: (rgb >> 8) & 255, b: rgb & 255, alpha };
}
