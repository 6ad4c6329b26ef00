import { type ThumbsmithError, toThumbsmithError } from '../domain/errors.js';
import { hasOriginal, type ImageError, type ImageRecord, type Variant } from '../domain/image.js';
import type { Preset } from '../domain/preset.js';
import type { Imager, ImagingLimits } from '../imaging/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ImageStore } from '../ports/image-store.js';
import type { ClaimedJob } from '../ports/job-queue.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { annotateFailure, annotateImage } from '../telemetry/stages.js';
import {
  attemptsExhausted,
  isPastLastAttempt,
  type RenderFailureOutcome,
  renderFailureOutcome,
} from './render-failure-policy.js';
import { renderVariants } from './render-variants.js';

export interface RenderJobDeps {
  images: ImageStore;
  blobs: BlobStore;
  presets: readonly Preset[];
  limits: ImagingLimits;
  /** Renders in a child process (imaging/pool): a runaway decode costs that child, not this worker. */
  imager: Imager;
  timeoutMs: number;
  tempDir: string;
  logger: Logger;
  /** Job outcomes, stage times and upload-to-done time; nothing is recorded without it. */
  metrics?: Metrics;
  clock?: () => Date;
  /** Variants of every preset from a finished image with the same bytes, when there is one (content dedup). */
  reuseVariants?: (image: ImageRecord) => Promise<Variant[] | undefined>;
  /** Removes the variants a render wrote for an image deleted meanwhile, unless another image can use them. */
  discardVariants?: (image: ImageRecord, variants: readonly Variant[]) => Promise<void>;
  /** Upload by URL: fetches and attaches the original of a row that has none (service/fetch-original.ts). */
  fetchOriginal: (image: ImageRecord, signal: AbortSignal) => Promise<ImageRecord | undefined>;
}

/**
 * Renders every preset of one image. Safe to run more than once for the same image (at-least-once delivery):
 * variant keys are deterministic, each blob put is atomic and `markDone` keeps the first result.
 * A permanent error (corrupt image, limits) fails the image at once; a transient one is recorded and rethrown so
 * the queue delivers the job again after its backoff, until the attempts run out: then the image fails, unless the
 * last error was an outage (database, storage, queue unavailable, a full disk, or the worker stopping), which leaves
 * it `queued` for the sweeper. The decision is the failure policy's (render-failure-policy.ts); this carries it out.
 */
export function createRenderJobHandler(deps: RenderJobDeps) {
  const now = () => deps.clock?.() ?? new Date();

  /**
   * The delivery failed before its claim was recorded (or while its answer was lost: the row may say `processing`).
   * Logged with the image id, and the row is put back to `queued` when the database lets us, so that it does not look
   * claimed until the processing staleness bound; the queue delivers the job again after its backoff, and after the
   * last attempt the sweeper re-enqueues the `queued` row after SWEEP_STALE_MS.
   */
  async function releaseUnclaimed(imageId: string, log: Logger, thrown: unknown): Promise<void> {
    const error = toThumbsmithError(thrown);
    deps.metrics?.job('retried', error.code);
    log.warn(
      { err: thrown, code: error.code },
      'delivery failed before the image could be claimed; it will be retried',
    );
    const recorded: ImageError = { code: error.code, message: error.detail };
    await deps.images.markRetrying(imageId, recorded, now()).catch((releaseError: unknown) => {
      log.warn({ err: releaseError }, 'could not put the image back to queued; the sweeper will');
    });
  }

  return async function renderJob(job: ClaimedJob<'render'>, signal: AbortSignal): Promise<void> {
    const { imageId } = job.data;
    const log = deps.logger.child({ imageId, jobId: job.id, attempt: job.attempt });
    let image: ImageRecord | undefined;
    try {
      image = await deps.images.markProcessing(imageId, job.attempt, now());
    } catch (thrown) {
      await releaseUnclaimed(imageId, log, thrown);
      throw toThumbsmithError(thrown);
    }
    if (!image) {
      deps.metrics?.job('dropped');
      log.info('image no longer exists; job dropped');
      return;
    }
    if (image.status === 'done' || image.status === 'failed') {
      deps.metrics?.job('dropped');
      log.info({ status: image.status }, 'image already finished; job dropped');
      return;
    }
    if (isPastLastAttempt(job.attempt, job.maxAttempts)) {
      await deps.images.markFailed(imageId, attemptsExhausted(image.error), now());
      deps.metrics?.job('failed', 'TS_ATTEMPTS_EXHAUSTED');
      log.warn('attempts exhausted after lease expiries');
      return;
    }
    try {
      const started = performance.now();
      // An upload by URL fetches its original first (its row has none until then).
      const stored = hasOriginal(image) ? image : await deps.fetchOriginal(image, signal);
      if (!stored || !hasOriginal(stored) || stored.status === 'done' || stored.status === 'failed') {
        deps.metrics?.job('dropped');
        log.info({ status: stored?.status ?? 'deleted' }, 'image deleted or finished while fetching; job dropped');
        return;
      }
      const { format, width, height, bytes } = stored.original;
      annotateImage({ id: imageId, format, width, height, bytes });
      // Same bytes already rendered for another image of the tenant: reuse, no render (content dedup).
      const variants =
        (await deps.reuseVariants?.(stored)) ?? (await renderVariants(deps, stored, deps.presets, signal));
      const doneAt = now();
      const done = await deps.images.markDone(imageId, variants, doneAt);
      if (!done) {
        // Deleted while rendering: markDone updates only existing rows, so nothing comes back; drop what we wrote.
        await deps.discardVariants?.(stored, variants);
        deps.metrics?.job('dropped');
        log.info('image deleted while rendering; its new variants were discarded');
        return;
      }
      deps.metrics?.job('done');
      deps.metrics?.uploadToDone((doneAt.getTime() - image.createdAt.getTime()) / 1000);
      log.info({ ms: Math.round(performance.now() - started), variants: variants.length }, 'image done');
    } catch (thrown) {
      const error = toThumbsmithError(thrown);
      annotateFailure(error);
      // Deleted while rendering (its original may have gone with it): nothing to record, nothing to retry.
      if ((await deps.images.getImage(imageId).catch(() => image)) === undefined) {
        await deps.discardVariants?.(image, []);
        deps.metrics?.job('dropped');
        log.info({ code: error.code }, 'image deleted while rendering; job dropped');
        return;
      }
      const outcome = renderFailureOutcome({ error, attempt: job.attempt, maxAttempts: job.maxAttempts });
      await settleFailure(imageId, outcome, { error, thrown, log });
    }
  };

  /** Carries out the failure policy's decision: records it on the row, counts it, and rethrows only a retry. */
  async function settleFailure(
    imageId: string,
    outcome: RenderFailureOutcome,
    { error, thrown, log }: { error: ThumbsmithError; thrown: unknown; log: Logger },
  ): Promise<void> {
    switch (outcome.kind) {
      case 'permanent':
        await deps.images.markFailed(imageId, outcome.record, now());
        deps.metrics?.job('failed', error.code);
        log.info({ code: error.code }, 'image failed permanently');
        return;
      case 'outage':
        // Not the image's fault: it stays `queued` (with the error) and this job goes; the sweeper re-enqueues the
        // row after SWEEP_STALE_MS, so it completes once the dependency is back.
        await deps.images.markRetrying(imageId, outcome.record, now());
        deps.metrics?.job('retried', error.code);
        log.warn({ err: thrown, code: error.code }, 'attempts used up during an outage; the sweeper will re-enqueue');
        return;
      case 'exhausted':
        await deps.images.markFailed(imageId, outcome.record, now());
        deps.metrics?.job('failed', error.code);
        log.warn({ err: thrown, code: error.code }, 'image failed: attempts exhausted');
        return;
      case 'retry':
        await deps.images.markRetrying(imageId, outcome.record, now());
        deps.metrics?.job('retried', error.code);
        log.warn({ err: thrown, code: error.code }, 'transient failure; the job will be retried');
        throw error;
    }
  }
}
