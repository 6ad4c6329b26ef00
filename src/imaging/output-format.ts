import type { OutputFormat, Preset } from '../domain/preset.js';

/**
 * The format a preset renders to. `auto` is JPEG for opaque images and WebP when the image has transparency or when
 * an animation is kept (JPEG can carry neither).
 */
export function resolveOutputFormat(preset: Preset, hasAlpha: boolean, animated = false): OutputFormat {
  if (preset.format !== 'auto') return preset.format;
  return hasAlpha || animated ? 'webp' : 'jpeg';
}
