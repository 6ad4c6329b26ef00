// What the render steps hand each other through the RenderContext: the plan (written by `plan`) and the one decode
// (written by `decode`). Apart from the steps so that pipeline.ts can name them without importing the steps.
import type { Fit, Preset } from '../domain/preset.js';
import type { RawImage } from './decoders/raw-image.js';

/** Where a preset's pixels land, computed once from the displayed source size so every strategy agrees on it. */
export interface Geometry {
  readonly fit: Fit;
  /** Output size. */
  readonly width: number;
  readonly height: number;
  /** Size of the picture inside the output: equal to the output for `inside` and `cover`, smaller for `contain`. */
  readonly innerWidth: number;
  readonly innerHeight: number;
  /** Source scale this preset needs (at most 1 unless it enlarges). */
  readonly scale: number;
}

export interface PresetPlan {
  readonly preset: Preset;
  readonly geometry: Geometry;
  /** Keep every frame (animated GIF/WebP input, `animated` preset, WebP output). */
  readonly animated: boolean;
}

export interface RenderPlan {
  readonly presets: readonly PresetPlan[];
  /** The one decode's size: the largest any still preset needs, never above the source. */
  readonly decodeWidth: number;
  readonly decodeHeight: number;
  /** False when every preset keeps an animation, so no still decode is needed. */
  readonly needsStill: boolean;
}

/** The one decode every still preset is derived from: upright, sRGB, 8-bit, at the largest size any preset needs. */
export interface DecodedImage extends RawImage {
  /** False when the alpha channel is absent or every pixel is opaque (then `auto` picks JPEG). */
  readonly hasAlpha: boolean;
}
