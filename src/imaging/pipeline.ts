import type { OutputFormat, Preset } from '../domain/preset.js';
import type { RenderGuard } from './guard.js';
import type { ImageInput } from './input.js';
import type { ImagingLimits } from './limits.js';
import type { InspectedSource } from './probe.js';
import type { DecodedImage, RenderPlan } from './render-types.js';

/** One rendered preset. */
export interface RenderedVariant {
  readonly preset: Preset;
  readonly data: Buffer;
  /** Displayed size (per frame for animations). */
  readonly width: number;
  readonly height: number;
  readonly format: OutputFormat;
  readonly contentType: string;
}

/**
 * Told when a step starts (and, inside `encode`, when each preset's resize+encode starts); the function it returns is
 * called when that work ends, with the error if it failed. Lets the caller time stages without imaging knowing how.
 */
export type RenderObserver = (event: { step: string; preset?: string }) => (error?: unknown) => void;

/** What the steps share. Each field after the inputs has exactly one writer, named beside it. */
export interface RenderContext {
  readonly input: ImageInput;
  readonly presets: readonly Preset[];
  readonly limits: ImagingLimits;
  readonly guard: RenderGuard;
  readonly observe?: RenderObserver;
  /** Written by `inspect`. */
  source?: InspectedSource;
  /** Written by `plan`. */
  plan?: RenderPlan;
  /** Written by `decode`; absent when every preset keeps an animation (those decode on their own). */
  decoded?: DecodedImage;
  /** Written by `encode`, in preset order. */
  variants?: RenderedVariant[];
}

/** A named step; it returns at once when it has nothing to do. */
export interface RenderStep {
  readonly name: string;
  run(context: RenderContext): Promise<void>;
}

/** Runs the steps in order, checking the time budget and abort signal before each one and after the last. */
export async function runPipeline(steps: readonly RenderStep[], context: RenderContext): Promise<void> {
  for (const step of steps) {
    context.guard.check(step.name);
    await observed(context.observe, { step: step.name }, () => step.run(context));
  }
  context.guard.check('returning the variants');
}

/** Reads a field an earlier step must have written; a missing one is a wiring bug. */
export function required<T>(value: T | undefined, field: string, step: string): T {
  if (value === undefined) throw new Error(`imaging pipeline: step "${step}" needs "${field}", which no step wrote`);
  return value;
}

/** Runs `work`, telling `observe` (when given) when it starts and ends. */
export async function observed<T>(
  observe: RenderObserver | undefined,
  event: { step: string; preset?: string },
  work: () => Promise<T>,
): Promise<T> {
  if (!observe) return work();
  const done = observe(event);
  try {
    const result = await work();
    done();
    return result;
  } catch (error) {
    done(error);
    throw error;
  }
}
