import type { Preset } from '../domain/preset.js';
import type { ImageInput } from './input.js';
import type { ImagingLimits } from './limits.js';
import type { RenderedVariant, RenderObserver } from './pipeline.js';
import { type ProbeResult, probe } from './probe.js';
import { render } from './render.js';

/** Budgets of one probe: a wall-clock deadline, and an abort signal (cancellation, e.g. shutdown). */
export interface ProbeOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Budgets of one render, plus the stage observer. */
export interface RenderOptions extends ProbeOptions {
  observe?: RenderObserver;
}

/**
 * What the service needs from imaging: the header probe at upload and the render in the job, of the same shapes as
 * {@link probe} and {@link render}. The service runs them in a pool of child processes (`pool/imaging-pool.ts`), so no
 * decoder touches untrusted bytes in the API's or the worker's own process; {@link inProcessImager} is what each child
 * runs, and what benchmarks measure as the ceiling.
 */
export interface Imager {
  probe(input: ImageInput, limits: ImagingLimits, options?: ProbeOptions): Promise<ProbeResult>;
  render(
    input: ImageInput,
    presets: readonly Preset[],
    limits: ImagingLimits,
    options?: RenderOptions,
  ): Promise<RenderedVariant[]>;
}

/**
 * Probes and renders in this process. A deadline here only races native work (see `guard.ts`): trusted inputs only,
 * or inside a pool child, which the pool kills at the deadline.
 */
export const inProcessImager: Imager = {
  probe: (input, limits) => probe(input, limits),
  render,
};
