import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { variantKey } from '../domain/blob-keys.js';
import { ThumbsmithError, toThumbsmithError } from '../domain/errors.js';
import type { ImageError, Variant } from '../domain/image.js';
import { FILE_EXTENSIONS, type Preset } from '../domain/preset.js';
import { type ImageInput, type ImagingLimits, render } from '../imaging/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ClaimedJob } from '../ports/job-queue.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Logger } from '../telemetry/logger.js';

export interface RenderJobDeps {
  metadata: MetadataStore;
  blobs: BlobStore;
  presets: readonly Preset[];
  limits: ImagingLimits;
  timeoutMs: number;
  tempDir: string;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Renders every preset of one image. Safe to run more than once for the same image (at-least-once delivery):
 * variant keys are deterministic, each blob put is atomic and `markDone` keeps the first result.
 * A permanent error (corrupt image, limits) fails the image at once; a transient one is recorded and rethrown so
 * the queue delivers the job again after its backoff, until the attempts run out.
 */
export function createRenderJobHandler(deps: RenderJobDeps) {
  const now = () => deps.clock?.() ?? new Date();
  return async function renderJob(job: ClaimedJob<'render'>, signal: AbortSignal): Promise<void> {
    const { imageId } = job.data;
    const log = deps.logger.child({ imageId, jobId: job.id, attempt: job.attempt });
    const image = await deps.metadata.markProcessing(imageId, job.attempt, now());
    if (!image) {
      log.info('image no longer exists; job dropped');
      return;
    }
    if (image.status === 'done' || image.status === 'failed') {
      log.info({ status: image.status }, 'image already finished; job dropped');
      return;
    }
    if (job.attempt > job.maxAttempts) {
      await deps.metadata.markFailed(imageId, exhausted(image.error), now());
      log.warn('attempts exhausted after lease expiries');
      return;
    }
    try {
      const started = performance.now();
      const variants = await withOriginal(deps, image.original.key, (input) =>
        renderAndStore(deps, imageId, input, signal),
      );
      await deps.metadata.markDone(imageId, variants, now());
      log.info({ ms: Math.round(performance.now() - started), variants: variants.length }, 'image done');
    } catch (thrown) {
      const error = toThumbsmithError(thrown);
      const recorded: ImageError = { code: error.code, message: error.detail };
      if (!error.retryable) {
        await deps.metadata.markFailed(imageId, recorded, now());
        log.info({ code: error.code }, 'image failed permanently');
        return;
      }
      if (job.attempt >= job.maxAttempts) {
        await deps.metadata.markFailed(imageId, exhausted(recorded), now());
        log.warn({ err: thrown, code: error.code }, 'image failed: attempts exhausted');
        return;
      }
      await deps.metadata.markRetrying(imageId, recorded, now());
      log.warn({ err: thrown, code: error.code }, 'transient failure; the job will be retried');
      throw error;
    }
  };
}

function exhausted(last: ImageError | null): ImageError {
  const reason = last ? `${last.code}: ${last.message}` : 'the worker stopped before finishing';
  return { code: 'TS_ATTEMPTS_EXHAUSTED', message: `Every attempt failed; last: ${reason}` };
}

/** Gives the renderer a file: the blob's own path for a local store, else a temp copy removed afterwards. */
async function withOriginal<T>(deps: RenderJobDeps, key: string, use: (input: ImageInput) => Promise<T>): Promise<T> {
  const local = deps.blobs.localPath?.(key);
  if (local) return use({ path: local });
  const path = join(deps.tempDir, `original-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  try {
    await pipeline(await deps.blobs.get(key), createWriteStream(path));
    return await use({ path });
  } finally {
    await rm(path, { force: true });
  }
}

async function renderAndStore(deps: RenderJobDeps, imageId: string, input: ImageInput, signal: AbortSignal) {
  const rendered = await render(input, deps.presets, deps.limits, { signal, timeoutMs: deps.timeoutMs });
  if (signal.aborted) throw new ThumbsmithError('TS_SHUTTING_DOWN', 'The job was interrupted.');
  return Promise.all(
    rendered.map(async (out): Promise<Variant> => {
      const key = variantKey(imageId, out.preset.name, out.preset.version, FILE_EXTENSIONS[out.format]);
      await deps.blobs.put(key, { buffer: out.data }, { contentType: out.contentType });
      return {
        preset: out.preset.name,
        presetVersion: out.preset.version,
        key,
        width: out.width,
        height: out.height,
        format: out.format,
        contentType: out.contentType,
        bytes: out.data.length,
        sha256: createHash('sha256').update(out.data).digest('hex'),
      };
    }),
  );
}
