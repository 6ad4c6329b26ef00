import type { Readable } from 'node:stream';
import { ThumbsmithError } from '../domain/errors.js';
import { newImageId } from '../domain/ids.js';
import type { ImageRecord, Variant } from '../domain/image.js';
import type { Preset } from '../domain/preset.js';
import { checkUrl, redactUrl, type UrlRules } from '../fetcher/index.js';
import type { Imager, ImagingLimits } from '../imaging/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ImageStore } from '../ports/image-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { annotateImage } from '../telemetry/stages.js';
import { admitOriginal } from './admit-original.js';
import type { ContentBlobs } from './content-blobs.js';
import type { DiskSpace } from './disk-space.js';
import { type SpooledFile, spoolToTempFile } from './spool.js';
import type { VariantRefresher } from './variant-refresh.js';
import { checkCallbackUrl } from './webhooks.js';

export interface ImageServiceDeps {
  images: ImageStore;
  queue: JobQueue;
  blobs: BlobStore;
  presets: readonly Preset[];
  limits: ImagingLimits & { maxUploadBytes: number };
  /** Probes uploads in a child process, within its budgets (imaging/pool). */
  imager: Imager;
  /** Directory for upload temp files (same machine, any filesystem). */
  tempDir: string;
  /** The free-space floor checked before an upload is spooled; none = unchecked. */
  diskSpace?: Pick<DiskSpace, 'assertRoom'>;
  logger: Logger;
  /** Upload sizes; nothing is recorded without it. */
  metrics?: Metrics;
  clock?: () => Date;
  /** Content-addressed, reference-counted originals (dedup). */
  content: ContentBlobs;
  /** Shared and refreshed variants: dedup at upload, missing or stale variants rendered on request. */
  refresher?: VariantRefresher;
  /** Accept `callback_url`s on loopback (development and tests only; WEBHOOK_ALLOW_LOOPBACK). @defaultValue false */
  allowLoopbackCallbacks?: boolean;
  /** What an upload by URL may point at (FETCH_ALLOWED_HOSTS, FETCH_ALLOW_LOOPBACK), checked before a row exists. */
  sourceUrlRules: UrlRules;
}

export interface UploadInput {
  stream: Readable;
  filename: string | undefined;
  tenant: string;
  /** Webhook URL for this image (the multipart field `callback_url`); vetted before anything is stored. */
  callbackUrl?: string;
}

export interface UrlUploadInput {
  /** The image's http(s) URL; fetched by the worker. */
  url: string;
  tenant: string;
  callbackUrl?: string;
}

/** The job id of an image's render job: one pending render per image at a time. */
export const renderJobId = (imageId: string): string => `render:${imageId}`;

/**
 * Enqueues the render job of an image (deduplicated by its job id). A failure is logged and answered `false`, never
 * thrown: the row is the truth, and the sweeper re-enqueues rows left `queued`.
 */
export async function enqueueRender(queue: JobQueue, logger: Logger, imageId: string): Promise<boolean> {
  try {
    await queue.enqueue({ name: 'render', data: { imageId } }, { jobId: renderJobId(imageId) });
    return true;
  } catch (error) {
    logger.warn({ err: error, imageId }, 'enqueue failed; the sweeper will re-enqueue the image');
    return false;
  }
}

/**
 * The use cases behind the API: accept an upload, read an image, open a thumbnail. The only code besides the worker's
 * job handler that joins the ports.
 */
export class ImageService {
  readonly #deps: ImageServiceDeps;
  readonly #presetsByName: ReadonlyMap<string, Preset>;

  constructor(deps: ImageServiceDeps) {
    this.#deps = deps;
    this.#presetsByName = new Map(deps.presets.map((p) => [p.name, p]));
  }

  get presets(): readonly Preset[] {
    return this.#deps.presets;
  }

  /**
   * Spools the upload to a temp file (counted and hashed while streaming), sniffs and probes the header, stores the
   * original, writes the row and enqueues the render. Anything rejected leaves no row, no blob and no temp file.
   * An enqueue failure after the row exists is not an error: the sweeper re-enqueues rows stuck in `queued`.
   */
  async submitUpload(input: UploadInput): Promise<ImageRecord> {
    const spooled = await this.spool(input.stream);
    try {
      return await this.submitSpooled(spooled, input);
    } finally {
      await spooled.remove();
    }
  }

  /**
   * Streams an upload into a temp file, counted against the size limit and hashed; the caller removes it. Refused
   * with `TS_STORAGE_FULL` before a byte is written when the disk is below its free-space floor.
   */
  async spool(stream: Readable): Promise<SpooledFile> {
    try {
      await this.#deps.diskSpace?.assertRoom();
    } catch (error) {
      // As when spooling fails: the source is destroyed, its unread bytes are not ours to wait for.
      stream.destroy();
      throw error;
    }
    return spoolToTempFile(stream, this.#deps.tempDir, this.#deps.limits.maxUploadBytes);
  }

  /**
   * {@link submitUpload} for an upload already spooled (the HTTP layer spools the file part first, so that fields
   * after it, such as `callback_url`, can still be read). Does not remove the temp file.
   *
   * The original is stored content-addressed (service/content-blobs.ts): bytes this tenant uploaded before are not
   * stored again, and when an image with the same bytes is already `done` with every current preset, the new image
   * is `done` at once with the same variants — no render job. It still gets its own id.
   */
  async submitSpooled(spooled: SpooledFile, input: Omit<UploadInput, 'stream'>): Promise<ImageRecord> {
    const callbackUrl = this.#checkCallbackUrl(input.callbackUrl);
    const id = newImageId();
    const record = await admitOriginal(
      this.#deps,
      spooled,
      { tenant: input.tenant, filename: sanitiseFilename(input.filename) },
      async (original) => {
        annotateImage({
          id,
          format: original.format,
          width: original.width,
          height: original.height,
          bytes: original.bytes,
        });
        const created = await this.#deps.images.createImage({
          id,
          tenant: input.tenant,
          createdAt: this.#now(),
          ...(callbackUrl !== undefined && { callbackUrl }),
          original,
        });
        return { result: created, holdsReference: true };
      },
    );
    return this.#accepted(record, spooled.bytes);
  }

  /**
   * Upload by URL: vets the URL as far as it can without the network (scheme, credentials, allow-list, literal
   * addresses: `TS_FETCH_FORBIDDEN_URL` / `TS_FETCH_BLOCKED_ADDRESS` now rather than a failed image later), writes a
   * row without an original and enqueues the render job, which fetches it first (service/fetch-original.ts) through
   * the guarded fetcher, where every resolved address and redirect is checked again.
   */
  async submitUrl(input: UrlUploadInput): Promise<ImageRecord> {
    const url = checkUrl(input.url, this.#deps.sourceUrlRules);
    const callbackUrl = this.#checkCallbackUrl(input.callbackUrl);
    const record = await this.#deps.images.createImage({
      id: newImageId(),
      tenant: input.tenant,
      createdAt: this.#now(),
      ...(callbackUrl !== undefined && { callbackUrl }),
      original: null,
      sourceUrl: url.href,
    });
    await this.enqueueRender(record.id);
    this.#deps.logger.info({ url: redactUrl(url) }, 'upload by URL accepted');
    return record;
  }

  #checkCallbackUrl(callbackUrl: string | undefined): string | undefined {
    return callbackUrl === undefined
      ? undefined
      : checkCallbackUrl(callbackUrl, this.#deps.allowLoopbackCallbacks ?? false);
  }

  /** A file upload's row exists: `done` at once from shared variants, or its render job queued. */
  async #accepted(created: ImageRecord, bytes: number): Promise<ImageRecord> {
    const reused = await this.#finishFromSharedVariants(created);
    if (!reused) await this.enqueueRender(created.id);
    this.#deps.metrics?.uploadSize(bytes);
    // The request id, image id and trace id come from the log context: this line ties the upload to its job's lines.
    this.#deps.logger.info(
      { bytes, format: created.original?.format, deduplicated: reused !== undefined },
      'upload accepted',
    );
    return reused ?? created;
  }

  // Same bytes already rendered with every current preset: done now. Any failure falls back to the render job,
  // which reuses them too.
  async #finishFromSharedVariants(record: ImageRecord): Promise<ImageRecord | undefined> {
    try {
      const variants = await this.#deps.refresher?.reusable(record);
      if (!variants) return undefined;
      const done = await this.#deps.images.markDone(record.id, variants, this.#now());
      return done?.status === 'done' ? done : undefined;
    } catch (error) {
      this.#deps.logger.warn({ err: error, imageId: record.id }, 'could not reuse variants; rendering instead');
      return undefined;
    }
  }

  /** Enqueues the render of an image; failures are logged, not thrown (the sweeper retries). */
  enqueueRender(imageId: string): Promise<boolean> {
    return enqueueRender(this.#deps.queue, this.#deps.logger, imageId);
  }

  /** The image; `TS_NOT_FOUND` for an unknown id and for another tenant's image (when `tenant` is given). */
  async getImage(id: string, tenant?: string): Promise<ImageRecord> {
    const image = await this.#deps.images.getImage(id);
    if (!image || (tenant !== undefined && image.tenant !== tenant)) {
      throw new ThumbsmithError('TS_NOT_FOUND', `No image with id ${id}.`);
    }
    return image;
  }

  /**
   * The stored thumbnail of one preset, ready to stream (`open()`; HEAD and 304 answers never open it); explains why
   * when there is none (yet). A `done` image whose variant of a configured preset is missing or was made by an older
   * definition of the preset gets it rendered now (once per process for concurrent requests, see
   * service/variant-refresh.ts).
   */
  async openThumbnail(
    id: string,
    presetName: string,
    tenant?: string,
  ): Promise<{ image: ImageRecord; variant: Variant; open: () => Promise<Readable> }> {
    let image = await this.getImage(id, tenant);
    const preset = this.#presetsByName.get(presetName);
    if (!preset && !image.variants.some((v) => v.preset === presetName)) {
      throw new ThumbsmithError('TS_PRESET_NOT_FOUND', `No preset named "${presetName}".`);
    }
    if (image.status === 'failed') {
      throw new ThumbsmithError('TS_IMAGE_FAILED', image.error?.message ?? 'The image failed to process.', {
        extensions: { imageError: image.error },
      });
    }
    let variant = image.variants.find((v) => v.preset === presetName);
    const stale = preset !== undefined && variant?.presetVersion !== preset.version;
    if (image.status === 'done' && preset && stale && this.#deps.refresher) {
      ({ image, variant } = await this.#deps.refresher.ensureCurrent(image, preset));
    }
    if (image.status !== 'done' || !variant) {
      throw new ThumbsmithError('TS_NOT_READY', `The image is ${image.status}; try again shortly.`, {
        extensions: { imageStatus: image.status, retryAfterSeconds: 1 },
      });
    }
    const key = variant.key;
    return { image, variant, open: () => this.#deps.blobs.get(key) };
  }

  #now(): Date {
    return this.#deps.clock?.() ?? new Date();
  }
}

/** Keeps a client file name only as a label: no paths, no control characters, bounded length. */
export function sanitiseFilename(name: string | undefined): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = [...base]
    .filter((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f && !'"<>|:*?'.includes(char))
    .join('')
    .trim()
    .slice(0, 200);
  return cleaned === '' ? null : cleaned;
}
