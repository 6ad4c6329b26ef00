import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Image, ThumbsmithClient } from './api-client.js';
import { extensionOf } from './collect.js';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface SavedThumbnail {
  preset: string;
  path: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
}

/** A requested preset the server does not have. */
export class UnknownPreset extends Error {
  constructor(missing: readonly string[], available: readonly string[]) {
    super(`No preset ${missing.join(', ')} on this server (it has ${available.join(', ') || 'none'}).`);
    this.name = 'UnknownPreset';
  }
}

/**
 * Writes a done image's thumbnails into `folder` as `<preset>.<ext>` (all presets, or the ones asked for), each
 * atomically. Throws UnknownPreset before writing anything when a requested preset does not exist.
 */
export async function saveThumbnails(
  client: ThumbsmithClient,
  image: Image,
  folder: string,
  presets: readonly string[] | null,
): Promise<SavedThumbnail[]> {
  const available = image.variants.map((variant) => variant.preset);
  const missing = (presets ?? []).filter((preset) => !available.includes(preset));
  if (missing.length > 0) throw new UnknownPreset(missing, available);
  const chosen = image.variants.filter((variant) => presets === null || presets.includes(variant.preset));
  // Names come from the server; only plain ones become file names (no separators, no dot-dot).
  const unsafe = chosen.find((variant) => !SAFE_NAME.test(variant.preset));
  if (unsafe)
    throw new Error(`The server sent a preset name that is not a safe file name: ${JSON.stringify(unsafe.preset)}`);
  await mkdir(folder, { recursive: true });
  const saved: SavedThumbnail[] = [];
  for (const variant of chosen) {
    const path = join(folder, `${variant.preset}.${extensionOf(variant.format)}`);
    const bytes = await client.downloadThumbnail(image.id, variant.preset, path);
    saved.push({
      preset: variant.preset,
      path,
      width: variant.width,
      height: variant.height,
      format: variant.format,
      bytes,
    });
  }
  return saved;
}
