import type { Preset } from '../domain/preset.js';
import { RenderGuard } from './guard.js';
import type { ImageInput } from './input.js';
import type { ImagingLimits } from './limits.js';
import {
  type RenderContext,
  type RenderedVariant,
  type RenderObserver,
  type RenderStep,
  runPipeline,
} from './pipeline.js';
import { decodeStep } from './steps/decode.js';
import { encodeStep } from './steps/encode.js';
import { inspectStep } from './steps/inspect.js';
import { planStep } from './steps/plan.js';

/** The order rendering runs in; each step lives in `steps/` and checks nothing but its own concern. */
export const RENDER_STEPS: readonly RenderStep[] = [inspectStep, planStep, decodeStep, encodeStep];

/**
 * Renders every preset from one decode of `input`, in preset order. Deterministic: the same bytes and presets give
 * the same output bytes. Outputs carry no metadata (an sRGB ICC profile only with `keepIcc`).
 *
 * Throws the probe errors, `TS_IMAGE_DIMENSIONS` (a preset larger than `maxOutputDimension`), `TS_IMAGE_CORRUPT`
 * (bad pixel data), `TS_IMAGE_TOO_MANY_PIXELS` (also for a kept animation over `maxTotalPixels`) and
 * `TS_RENDER_TIMEOUT` (`timeoutMs` spent or `signal` aborted; checked between steps and raced against native work).
 * `observe`, when given, is told when each step and each preset's encode starts and ends (stage timing).
 */
export async function render(
  input: ImageInput,
  presets: readonly Preset[],
  limits: ImagingLimits,
  options: { signal?: AbortSignal; timeoutMs?: number; observe?: RenderObserver } = {},
): Promise<RenderedVariant[]> {
  const context: RenderContext = {
    input,
    presets,
    limits,
    guard: new RenderGuard(options),
    ...(options.observe ? { observe: options.observe } : {}),
  };
  await runPipeline(RENDER_STEPS, context);
  return context.variants ?? [];
}
