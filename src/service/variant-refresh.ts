import { ThumbsmithError, toThumbsmithError } from '../domain/errors.js';
import { hasOriginal, type ImageRecord, type Variant } from '../domain/image.js';
import type { Preset } from '../domain/preset.js';
import type { Imager, ImagingLimits } from '../imaging/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ContentStore } from '../ports/content-store.js';
import type { ImageStore } from '../ports/image-store.js';
import type { ClaimedJob, JobQueue } from '../ports/job-queue.js';
import type { MaintenanceQueries } from '../ports/maintenance-queries.js';
import type { Logger } from '../telemetry/logger.js';
import { type ContentBlobs, contentOf } from './content-blobs.js';
import { renderVariants } from './render-variants.js';

export interface VariantRefresherDeps {
  images: ImageStore;
  maintenance: MaintenanceQueries;
  contents: ContentStore;
  blobs: BlobStore;
  content: ContentBlobs;
  queue: Pick<JobQueue, 'enqueue'>;
  presets: readonly Preset[];
  limits: ImagingLimits;
  /** Renders in a child process (imaging/pool). */
  imager: Imager;
  /** Time limit of one render (JOB_TIMEOUT_MS). */
  timeoutMs: number;
  tempDir: string;
  logger: Logger;
  clock?: () => Date;
}

/** Images of one content consulted for reusable variants. */
const SIBLING_LIMIT = 50;
/** Compare-and-set rounds before giving up on a row whose variants keep changing under us. */
const SWAP_ATTEMPTS = 5;
const REPROCESS_PAGE = 500;

/** The job id of an image's rerender job: one pending rerender per image. */
export const rerenderJobId = (imageId: string): string => `rerender:${imageId}`;

/**
 * Keeps variants current when presets change, and shares them between images of the same content:
 * - `reusable`: the variants of every configured preset, taken from a finished image with the same bytes, so an
 *   upload of known bytes needs no render at all (content dedup);
 * - `ensureCurrent`: a missing or stale variant rendered on first request, once per process however many requests
 *   ask at the same time (single-flight); other processes may render it too, with the same bytes under the same key;
 * - the `rerender` job and `reprocess`: re-render stale variants of `done` images in the background.
 * A `done` image stays `done` and keeps serving its old variant until the new one is stored and swapped into the
 * row by compare-and-set (a concurrent swap makes us re-read and merge); the replaced blob is deleted afterwards
 * unless another image of the same content still lists it.
 */
export class VariantRefresher {
  readonly #deps: VariantRefresherDeps;
  readonly #inFlight = new Map<string, Promise<ImageRecord | undefined>>();

  constructor(deps: VariantRefresherDeps) {
    this.#deps = deps;
  }

  /** Presets (all configured ones, or those named) whose variant is missing or was made by another definition. */
  stalePresets(image: ImageRecord, names?: readonly string[]): Preset[] {
    return this.#deps.presets.filter(
      (preset) =>
        (names === undefined || names.includes(preset.name)) &&
        !image.variants.some((v) => v.preset === preset.name && v.presetVersion === preset.version),
    );
  }

  /** Variants of every configured preset from finished images with the same content, or `undefined` if any is missing. */
  async reusable(image: ImageRecord): Promise<Variant[] | undefined> {
    const shared = await this.#sharedVariants(image);
    const variants: Variant[] = [];
    for (const preset of this.#deps.presets) {
      const variant = shared.get(versionKey(preset.name, preset.version));
      if (!variant) return undefined;
      variants.push(variant);
    }
    return variants;
  }

  /**
   * The image with a current variant of `preset`, rendering it now if it is missing or stale. Concurrent calls for
   * the same image and preset version in this process share one render. Throws `TS_NOT_FOUND` when the image was
   * deleted meanwhile, `TS_NOT_READY` when it is no longer `done`.
   */
  async ensureCurrent(image: ImageRecord, preset: Preset): Promise<{ image: ImageRecord; variant: Variant }> {
    const key = `${image.id}:${preset.name}:${preset.version}`;
    let flight = this.#inFlight.get(key);
    if (!flight) {
      flight = this.#refresh(image, [preset]).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, flight);
      this.#deps.logger.info(
        { imageId: image.id, preset: preset.name },
        'rendering a missing or stale variant on request',
      );
    }
    const updated = await flight;
    if (!updated) throw new ThumbsmithError('TS_NOT_FOUND', `No image with id ${image.id}.`);
    const variant = updated.variants.find((v) => v.preset === preset.name && v.presetVersion === preset.version);
    if (updated.status !== 'done' || !variant) {
      throw new ThumbsmithError('TS_NOT_READY', `The image is ${updated.status}; try again shortly.`, {
        extensions: { imageStatus: updated.status, retryAfterSeconds: 1 },
      });
    }
    return { image: updated, variant };
  }

  /** The `rerender` job: stale variants of a `done` image re-rendered; anything else is left alone. */
  createRerenderJobHandler() {
    return async (job: ClaimedJob<'rerender'>, signal: AbortSignal): Promise<void> => {
      const { imageId, presets } = job.data;
      const log = this.#deps.logger.child({ imageId, jobId: job.id, attempt: job.attempt });
      const image = await this.#deps.images.getImage(imageId);
      if (image?.status !== 'done') {
        log.info({ status: image?.status ?? 'deleted' }, 'rerender skipped: the image is not done');
        return;
      }
      const stale = this.stalePresets(image, presets);
      if (stale.length === 0) return;
      try {
        const updated = await this.#refresh(image, stale, signal);
        log.info({ presets: stale.map((p) => p.name), updated: updated !== undefined }, 'variants re-rendered');
      } catch (thrown) {
        const error = toThumbsmithError(thrown);
        // The image keeps its old variants; a permanent error will not go away by retrying.
        if (!error.retryable || job.attempt >= job.maxAttempts) {
          log.warn({ code: error.code, detail: error.detail }, 'rerender failed; the old variants stay');
          return;
        }
        throw error;
      }
    };
  }

  /**
   * `thumbsmith reprocess [--preset NAME]`: enqueues a rerender job for every `done` image with a missing or stale
   * variant (of that preset). Throws `TS_PRESET_NOT_FOUND` for a preset that is not configured.
   */
  async reprocess(options: { preset?: string } = {}): Promise<{ scanned: number; enqueued: number }> {
    const names = options.preset === undefined ? undefined : [options.preset];
    if (options.preset !== undefined && !this.#deps.presets.some((p) => p.name === options.preset)) {
      throw new ThumbsmithError('TS_PRESET_NOT_FOUND', `No preset named "${options.preset}" is configured.`);
    }
    let scanned = 0;
    let enqueued = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#deps.maintenance.listDone(after, REPROCESS_PAGE);
      for (const image of page) {
        scanned += 1;
        if (this.stalePresets(image, names).length === 0) continue;
        await this.#deps.queue.enqueue(
          { name: 'rerender', data: names ? { imageId: image.id, presets: names } : { imageId: image.id } },
          { jobId: rerenderJobId(image.id) },
        );
        enqueued += 1;
      }
      if (page.length < REPROCESS_PAGE) break;
      after = page.at(-1)?.id;
    }
    this.#deps.logger.info({ scanned, enqueued, preset: options.preset }, 'reprocess enqueued rerender jobs');
    return { scanned, enqueued };
  }

  /** Renders (or reuses) `presets` for a done image and swaps them into its row; `undefined` when it is gone. */
  async #refresh(
    image: ImageRecord,
    presets: readonly Preset[],
    signal?: AbortSignal,
  ): Promise<ImageRecord | undefined> {
    const fresh = await this.#produce(image, presets, signal);
    let current = image;
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt += 1) {
      const next = mergeVariants(current.variants, fresh);
      const updated = await this.#deps.images.replaceVariants(
        current.tenant,
        current.id,
        current.variants,
        next,
        this.#now(),
      );
      if (updated) {
        const replaced = current.variants.filter((v) => fresh.some((f) => f.preset === v.preset));
        await this.#deps.content.discardReplacedVariants(updated, replaced);
        return updated;
      }
      const reread = await this.#deps.images.getImage(current.id);
      if (!reread) {
        await this.#deps.content.discardOrphanedVariants(image, fresh);
        return undefined;
      }
      if (reread.status !== 'done') return reread;
      // Someone else stored the same variants first.
      if (fresh.every((f) => reread.variants.some((v) => v.key === f.key))) return reread;
      current = reread;
    }
    throw new ThumbsmithError('TS_INTERNAL', `The variants of ${image.id} kept changing; giving up for now.`);
  }

  async #produce(image: ImageRecord, presets: readonly Preset[], signal?: AbortSignal): Promise<Variant[]> {
    // Only `done` images are refreshed, and an image is never `done` without its original.
    if (!hasOriginal(image)) throw new ThumbsmithError('TS_INTERNAL', `Image ${image.id} has no original yet.`);
    const shared = await this.#sharedVariants(image);
    const toRender = presets.filter((p) => !shared.has(versionKey(p.name, p.version)));
    const rendered = toRender.length > 0 ? await renderVariants(this.#deps, image, toRender, signal) : [];
    return presets.map((p) => shared.get(versionKey(p.name, p.version)) ?? rendered.find((v) => v.preset === p.name)!);
  }

  /** Variants of finished images with the same content (this one included), by preset and version. */
  async #sharedVariants(image: ImageRecord): Promise<Map<string, Variant>> {
    const found = new Map<string, Variant>();
    const content = contentOf(image);
    const images = content ? await this.#deps.contents.listByContent(content, SIBLING_LIMIT) : [image];
    for (const other of images) {
      if (other.status !== 'done') continue;
      for (const variant of other.variants) {
        const key = versionKey(variant.preset, variant.presetVersion);
        if (!found.has(key)) found.set(key, variant);
      }
    }
    return found;
  }

  #now(): Date {
    return this.#deps.clock?.() ?? new Date();
  }
}

const versionKey = (preset: string, version: string) => `${preset}@${version}`;

/** `current` with every preset of `fresh` replaced (or added at the end), order otherwise kept. */
export function mergeVariants(current: readonly Variant[], fresh: readonly Variant[]): Variant[] {
  const merged = current.map((v) => fresh.find((f) => f.preset === v.preset) ?? v);
  for (const f of fresh) if (!merged.some((v) => v.preset === f.preset)) merged.push(f);
  return merged;
}
