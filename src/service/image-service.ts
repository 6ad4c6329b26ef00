import type { Readable } from 'node:stream';
import { originalKey } from '../domain/blob-keys.js';
import { ThumbsmithError } from '../domain/errors.js';
import { newImageId } from '../domain/ids.js';
import type { ImageRecord, Variant } from '../domain/image.js';
import type { Preset } from '../domain/preset.js';
import { type ImagingLimits, probe, sniff } from '../imaging/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { Logger } from '../telemetry/logger.js';
import { spoolToTempFile } from './spool.js';

export interface ImageServiceDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  blobs: BlobStore;
  presets: readonly Preset[];
  limits: ImagingLimits & { maxUploadBytes: number };
  /** Directory for upload temp files (same machine, any filesystem). */
  tempDir: string;
  logger: Logger;
  clock?: () => Date;
}

export interface UploadInput {
  stream: Readable;
  filename: string | undefined;
  tenant: string;
}

/** The job id of an image's render job: one pending render per image at a time. */
export const renderJobId = (imageId: string): string => `render:${imageId}`;

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
    const { metadata, blobs, limits, tempDir, logger } = this.#deps;
    const spooled = await spoolToTempFile(input.stream, tempDir, limits.maxUploadBytes);
    try {
      if (spooled.bytes === 0) throw new ThumbsmithError('TS_UNSUPPORTED_MEDIA', 'The file is empty.');
      if (sniff(spooled.head) === undefined) {
        throw new ThumbsmithError('TS_UNSUPPORTED_MEDIA', 'The bytes are not an image Thumbsmith can read.');
      }
      const info = await probe({ path: spooled.path }, limits);
      const id = newImageId();
      const key = originalKey(id);
      await blobs.put(key, { path: spooled.path }, { contentType: 'application/octet-stream' });
      let record: ImageRecord;
      try {
        record = await metadata.createImage({
          id,
          tenant: input.tenant,
          createdAt: this.#now(),
          original: {
            key,
            format: info.format,
            width: info.width,
            height: info.height,
            frames: info.frames,
            bytes: spooled.bytes,
            sha256: spooled.sha256,
            filename: sanitiseFilename(input.filename),
          },
        });
      } catch (error) {
        await blobs.delete(key).catch((cleanupError: unknown) => {
          logger.error({ err: cleanupError, key }, 'could not remove the original after a failed insert');
        });
        throw error;
      }
      await this.enqueueRender(id);
      return record;
    } finally {
      await spooled.remove();
    }
  }

  /** Enqueues the render of an image; failures are logged, not thrown (the sweeper retries). */
  async enqueueRender(imageId: string): Promise<boolean> {
    try {
      await this.#deps.queue.enqueue({ name: 'render', data: { imageId } }, { jobId: renderJobId(imageId) });
      return true;
    } catch (error) {
      this.#deps.logger.warn({ err: error, imageId }, 'enqueue failed; the sweeper will re-enqueue the image');
      return false;
    }
  }

  async getImage(id: string): Promise<ImageRecord> {
    const image = await this.#deps.metadata.getImage(id);
    if (!image) throw new ThumbsmithError('TS_NOT_FOUND', `No image with id ${id}.`);
    return image;
  }

  /** The stored thumbnail of one preset, ready to stream; explains why when there is none (yet). */
  async openThumbnail(
    id: string,
    presetName: string,
  ): Promise<{ image: ImageRecord; variant: Variant; body: Readable }> {
    const image = await this.getImage(id);
    if (!this.#presetsByName.has(presetName) && !image.variants.some((v) => v.preset === presetName)) {
      throw new ThumbsmithError('TS_PRESET_NOT_FOUND', `No preset named "${presetName}".`);
    }
    if (image.status === 'failed') {
      throw new ThumbsmithError('TS_IMAGE_FAILED', image.error?.message ?? 'The image failed to process.', {
        extensions: { imageError: image.error },
      });
    }
    const variant = image.variants.find((v) => v.preset === presetName);
    if (image.status !== 'done' || !variant) {
      throw new ThumbsmithError('TS_NOT_READY', `The image is ${image.status}; try again shortly.`, {
        extensions: { imageStatus: image.status, retryAfterSeconds: 1 },
      });
    }
    const body = await this.#deps.blobs.get(variant.key);
    return { image, variant, body };
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
