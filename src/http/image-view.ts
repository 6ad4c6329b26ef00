import { retryableByHand } from '../domain/errors.js';
import type { ImageRecord } from '../domain/image.js';
import type { Preset } from '../domain/preset.js';

/** The JSON face of an image row: no blob keys, absolute or relative URLs for every variant. */
export function toImageView(image: ImageRecord, presets: readonly Preset[], baseUrl: string) {
  const self = `${baseUrl}/v1/images/${image.id}`;
  const thumbnailUrl = (preset: string) => `${baseUrl}${thumbnailPath(image.id, preset)}`;
  return {
    id: image.id,
    status: image.status,
    original: image.original && {
      format: image.original.format,
      width: image.original.width,
      height: image.original.height,
      frames: image.original.frames,
      bytes: image.original.bytes,
      sha256: image.original.sha256,
      filename: image.original.filename,
    },
    sourceUrl: image.sourceUrl ?? null,
    variants: image.variants.map((v) => ({
      preset: v.preset,
      presetVersion: v.presetVersion,
      url: thumbnailUrl(v.preset),
      // Names these exact bytes: answered with immutable caching (routes/images.ts).
      immutableUrl: `${thumbnailUrl(v.preset)}?v=${immutableVersion(v.sha256)}`,
      width: v.width,
      height: v.height,
      format: v.format,
      contentType: v.contentType,
      bytes: v.bytes,
    })),
    error: image.error && { ...image.error, retryable: retryableByHand(image.error.code) },
    attempts: image.attempts,
    createdAt: image.createdAt.toISOString(),
    updatedAt: image.updatedAt.toISOString(),
    completedAt: image.completedAt?.toISOString() ?? null,
    links: {
      self,
      thumbnails: Object.fromEntries(presets.map((p) => [p.name, thumbnailUrl(p.name)])),
    },
  };
}

/** The `v` query parameter of a variant's content-addressed URL: a prefix of its SHA-256. */
export function immutableVersion(sha256: string): string {
  return sha256.slice(0, 16);
}

/** The one spelling of a thumbnail's path: links are built from it and signatures cover it. */
export function thumbnailPath(imageId: string, preset: string): string {
  return `/v1/images/${encodeURIComponent(imageId)}/thumbnails/${encodeURIComponent(preset)}`;
}
