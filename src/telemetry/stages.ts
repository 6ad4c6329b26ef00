import { addLogFields } from './log-context.js';
import type { Metrics } from './metrics.js';
import { ATTR, STAGES, type Stage } from './names.js';
import { failActiveSpan, setSpanAttributes, span, startSpan } from './tracing.js';

/**
 * Times one stage of a job: a `stage.<name>` span around `fn` (active, so port calls inside nest under it) and one
 * observation of `thumbsmith_job_stage_duration_seconds`, whether `fn` succeeds or throws.
 */
export async function timeStage<T>(
  metrics: Metrics | undefined,
  stage: Stage,
  preset: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const name = preset ? `stage.${stage} ${preset}` : `stage.${stage}`;
    return await span(name, { [ATTR.stage]: stage, [ATTR.preset]: preset }, fn);
  } finally {
    metrics?.stage(stage, (performance.now() - started) / 1000, preset);
  }
}

/**
 * An observer for imaging's `render()` that turns its step and per-preset events into stage spans and histogram
 * observations. Steps that are not stages (the pure `plan`, and `encode` as a whole, which is timed per preset) make
 * spans only.
 */
export function stageObserver(metrics: Metrics | undefined) {
  return (event: { step: string; preset?: string }) => {
    const started = performance.now();
    const stage = (STAGES as readonly string[]).includes(event.step) ? (event.step as Stage) : undefined;
    const timed = stage !== undefined && (stage !== 'encode' || event.preset !== undefined);
    const handle = startSpan(event.preset ? `stage.${event.step} ${event.preset}` : `stage.${event.step}`, {
      [ATTR.stage]: event.step,
      [ATTR.preset]: event.preset,
    });
    return (error?: unknown) => {
      if (timed) metrics?.stage(stage, (performance.now() - started) / 1000, event.preset);
      if (error !== undefined) handle.fail(error);
      handle.end();
    };
  };
}

/** What is known about an image: goes on the active span and (the id) on every later log line. */
export function annotateImage(image: { id: string; format?: string; width?: number; height?: number; bytes?: number }) {
  addLogFields({ imageId: image.id });
  setSpanAttributes({
    [ATTR.imageId]: image.id,
    [ATTR.imageFormat]: image.format,
    [ATTR.imageMegapixels]:
      image.width !== undefined && image.height !== undefined
        ? Math.round((image.width * image.height) / 10_000) / 100
        : undefined,
    [ATTR.imageBytes]: image.bytes,
  });
}

/** Records on the active span (a job's) that its work failed, whether or not the failure is thrown on. */
export function annotateFailure(error: unknown): void {
  failActiveSpan(error);
}
