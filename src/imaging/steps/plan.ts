import type { Preset } from '../../domain/preset.js';
import { assertAnimationWithinLimits, assertPresetWithinLimits } from '../limits.js';
import type { RenderStep } from '../pipeline.js';
import { required } from '../pipeline.js';
import type { Geometry, PresetPlan } from '../render-types.js';

/** Checks every preset against the output limits and works out each geometry and the shared decode size. */
export const planStep: RenderStep = {
  name: 'plan',
  async run(context) {
    const source = required(context.source, 'source', 'plan');
    for (const preset of context.presets) assertPresetWithinLimits(preset, context.limits);
    const presets = context.presets.map((preset): PresetPlan => {
      const animated =
        preset.animated &&
        source.frames > 1 &&
        (source.format === 'gif' || source.format === 'webp') &&
        source.orientation === 1 &&
        (preset.format === 'auto' || preset.format === 'webp');
      if (animated) assertAnimationWithinLimits(source, context.limits);
      return { preset, geometry: planGeometry(source.width, source.height, preset), animated };
    });
    const stills = presets.filter((p) => !p.animated);
    const scale = Math.min(1, Math.max(0, ...stills.map((p) => p.geometry.scale)));
    context.plan = {
      presets,
      decodeWidth: scale >= 1 ? source.width : Math.max(1, Math.round(source.width * scale)),
      decodeHeight: scale >= 1 ? source.height : Math.max(1, Math.round(source.height * scale)),
      needsStill: stills.length > 0,
    };
  },
};

/**
 * `inside`: fit in the box, aspect kept. `cover`: fill the box, cropped (without `enlarge`, a source smaller than the
 * box is cropped to at most its own size, never scaled up). `contain`: fit in the box and pad to exactly the box.
 */
export function planGeometry(width: number, height: number, preset: Preset): Geometry {
  const { width: boxWidth, height: boxHeight, fit, enlarge } = preset;
  const limit = (scale: number) => (enlarge ? scale : Math.min(scale, 1));
  const scaled = (scale: number) => ({
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  });
  if (fit === 'cover') {
    const scale = limit(Math.max(boxWidth / width, boxHeight / height));
    const out =
      scale < Math.max(boxWidth / width, boxHeight / height)
        ? { width: Math.min(boxWidth, width), height: Math.min(boxHeight, height) }
        : { width: boxWidth, height: boxHeight };
    return { fit, ...out, innerWidth: out.width, innerHeight: out.height, scale };
  }
  const scale = limit(Math.min(boxWidth / width, boxHeight / height));
  const inner = scale === 1 ? { width, height } : scaled(scale);
  const out = fit === 'contain' ? { width: boxWidth, height: boxHeight } : inner;
  return { fit, ...out, innerWidth: inner.width, innerHeight: inner.height, scale };
}
