import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { variantKeyFor } from '../domain/content-keys.js';
import { isStorageFull, storageFullError } from '../domain/dependency-errors.js';
import { ThumbsmithError } from '../domain/errors.js';
import type { StoredImage, Variant } from '../domain/image.js';
import { FILE_EXTENSIONS, type Preset } from '../domain/preset.js';
import type { ImageInput, Imager, ImagingLimits } from '../imaging/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Metrics } from '../telemetry/metrics.js';
import { stageObserver, timeStage } from '../telemetry/stages.js';
import { tempFilePath } from './temp-files.js';

export interface RenderVariantsDeps {
  blobs: BlobStore;
  limits: ImagingLimits;
  /** Renders in a child process, within its budgets (imaging/pool). */
  imager: Imager;
  timeoutMs: number;
  tempDir: string;
  metrics?: Metrics;
}

/**
 * Renders `presets` of one image from its stored original (one decode) and stores each result under its
 * deterministic key; the one piece both the render job and on-demand re-rendering use.
 */
export async function renderVariants(
  deps: RenderVariantsDeps,
  image: Pick<StoredImage, 'id' | 'original'>,
  presets: readonly Preset[],
  signal?: AbortSignal,
): Promise<Variant[]> {
  return withOriginal(deps, image.original.key, async (input) => {
    const rendered = await deps.imager.render(input, presets, deps.limits, {
      timeoutMs: deps.timeoutMs,
      observe: stageObserver(deps.metrics),
      ...(signal && { signal }),
    });
    if (signal?.aborted) throw new ThumbsmithError('TS_SHUTTING_DOWN', 'The job was interrupted.');
    return Promise.all(
      rendered.map(async (out): Promise<Variant> => {
        const extension = FILE_EXTENSIONS[out.format];
        const key = variantKeyFor(image.original.key, image.id, out.preset.name, out.preset.version, extension);
        await timeStage(deps.metrics, 'store', out.preset.name, () =>
          deps.blobs.put(key, { buffer: out.data }, { contentType: out.contentType }),
        );
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
  });
}

/**
 * Gives the renderer a file: the blob's own path for a local store, else a temp copy removed afterwards. The copy is
 * the `load` stage; a local store has none (libvips reads its file during `inspect` and `decode`).
 */
async function withOriginal<T>(
  deps: RenderVariantsDeps,
  key: string,
  use: (input: ImageInput) => Promise<T>,
): Promise<T> {
  const local = deps.blobs.localPath?.(key);
  if (local) return use({ path: local });
  const path = tempFilePath(deps.tempDir, 'original');
  try {
    await timeStage(deps.metrics, 'load', undefined, async () => {
      const blob = await deps.blobs.get(key);
      try {
        await pipeline(blob, createWriteStream(path));
      } catch (error) {
        throw isStorageFull(error) ? storageFullError(error, 'Copying the original for rendering') : error;
      }
    });
    return await use({ path });
  } finally {
    await rm(path, { force: true });
  }
}
