import sharp, { type JpegOptions, type OutputInfo, type ResizeOptions, type Sharp, type WebpOptions } from 'sharp';

/** A preset as the ceiling sees it: fit inside width x height, never enlarged. */
export interface PresetBox {
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

/** Encoder options, identical for every strategy so the comparison is about decoding and resizing only. */
export interface EncoderSettings {
  readonly jpeg: JpegOptions;
  readonly webp: WebpOptions;
}

export interface RenderedVariant {
  readonly preset: string;
  readonly format: 'jpeg' | 'webp';
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

/** One source image as a strategy receives it. */
export interface ProbedImage {
  readonly path: string;
  /**
   * Some pixel is not opaque (from the manifest). Only strategies that never hold decoded pixels use it; the others
   * find out from their decoded buffer as the service does, paying for the scan, so the given flag favours the
   * multi-decode strategies.
   */
  readonly transparent: boolean;
}

export interface RenderStrategy {
  /** One line for the table. */
  readonly title: string;
  /** How many times the source file is decoded per image. */
  readonly decodes: string;
  readonly render: (
    image: ProbedImage,
    presets: readonly PresetBox[],
    encoder: EncoderSettings,
  ) => Promise<RenderedVariant[]>;
}

type RawImage = { data: Buffer; info: OutputInfo };

/**
 * The candidate ways to turn one source file into every preset. All of them auto-orient, convert to sRGB (sharp's
 * default output space, using an embedded ICC profile when there is one), strip metadata (sharp's default: no
 * `keepMetadata()`), fit inside the box without enlarging, and encode JPEG for opaque images (an alpha channel that
 * is opaque everywhere is dropped) and WebP for images with real transparency, like the service's `auto` format.
 */
export const RENDER_STRATEGIES = {
  /** (a) The naive way: an independent pipeline per preset, each with its own shrink-on-load. */
  'per-preset': {
    title: 'one pipeline per preset',
    decodes: 'one per preset',
    render: (image, presets, encoder) =>
      Promise.all(presets.map((preset) => finish(source(image.path), preset, image.transparent, encoder))),
  },
  /** (c) sharp's clone(): one input pipeline, a clone per preset. */
  clone: {
    title: 'sharp clone() per preset',
    decodes: 'one per clone',
    render: (image, presets, encoder) => {
      const base = source(image.path);
      return Promise.all(presets.map((preset) => finish(base.clone(), preset, image.transparent, encoder)));
    },
  },
  /** (b) One decode with shrink-on-load to the largest box, then each preset from that raw buffer, one after another. */
  'raw-serial': {
    title: 'one decode to raw (largest box), presets in series',
    decodes: 'one',
    render: async (image, presets, encoder) => {
      const raw = await decodeRaw(image.path, largest(presets));
      const variants: RenderedVariant[] = [];
      const transparent = isTransparent(raw);
      for (const preset of presets) variants.push(await finish(fromRaw(raw), preset, transparent, encoder));
      return variants;
    },
  },
  /** (d) As raw-serial, with the presets encoded in parallel from the shared raw buffer. */
  'raw-parallel': {
    title: 'one decode to raw (largest box), presets in parallel',
    decodes: 'one',
    render: async (image, presets, encoder) => {
      const raw = await decodeRaw(image.path, largest(presets));
      const transparent = isTransparent(raw);
      return Promise.all(presets.map((preset) => finish(fromRaw(raw), preset, transparent, encoder)));
    },
  },
  /** (d, variant) One decode, then each smaller preset resized from the next larger one's raw pixels (less to resample). */
  'raw-cascade': {
    title: 'one decode to raw, each preset from the next larger',
    decodes: 'one',
    render: async (image, presets, encoder) => {
      const bySize = [...presets].sort((a, b) => b.width * b.height - a.width * a.height);
      let raw = await decodeRaw(image.path, bySize[0]!);
      const transparent = isTransparent(raw);
      const variants: RenderedVariant[] = [];
      for (const [i, preset] of bySize.entries()) {
        const encoded = finish(fromRaw(raw), preset, transparent, encoder);
        const next = bySize[i + 1];
        const [variant, smaller] = await Promise.all([
          encoded,
          next ? fromRaw(raw).resize(box(next)).raw().toBuffer({ resolveWithObject: true }) : undefined,
        ]);
        variants.push(variant);
        if (smaller) raw = smaller;
      }
      return presets.map((preset) => variants.find((v) => v.preset === preset.name)!);
    },
  },
  /** Reference: one decode at full size (no shrink-on-load), then every preset from the full raw image. */
  'full-decode': {
    title: 'one full-size decode (no shrink-on-load)',
    decodes: 'one, full size',
    render: async (image, presets, encoder) => {
      const raw = await source(image.path).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      const transparent = isTransparent(raw);
      return Promise.all(presets.map((preset) => finish(fromRaw(raw), preset, transparent, encoder)));
    },
  },
} as const satisfies Record<string, RenderStrategy>;

export type StrategyName = keyof typeof RENDER_STRATEGIES;
export const STRATEGY_NAMES = Object.keys(RENDER_STRATEGIES) as StrategyName[];

function source(path: string): Sharp {
  return sharp(path).autoOrient();
}

function box(preset: PresetBox): ResizeOptions {
  return { width: preset.width, height: preset.height, fit: 'inside', withoutEnlargement: true };
}

function largest(presets: readonly PresetBox[]): PresetBox {
  return presets.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

/** Shrink-on-load decode straight to the largest box, oriented and in sRGB, as raw pixels. */
function decodeRaw(path: string, preset: PresetBox): Promise<RawImage> {
  return source(path).resize(box(preset)).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
}

function fromRaw({ data, info }: RawImage): Sharp {
  const channels = info.channels as 1 | 2 | 3 | 4;
  return sharp(data, { raw: { width: info.width, height: info.height, channels } });
}

/** True when the decoded sRGB pixels have an alpha channel that is not 255 everywhere (the service's test). */
function isTransparent({ data, info }: RawImage): boolean {
  if (info.channels !== 4) return false;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

async function finish(
  pipeline: Sharp,
  preset: PresetBox,
  transparent: boolean,
  encoder: EncoderSettings,
): Promise<RenderedVariant> {
  const format = transparent ? 'webp' : 'jpeg';
  // An opaque alpha channel is dropped before resizing: less to resample, and JPEG has no alpha anyway.
  const resized = (format === 'jpeg' ? pipeline.removeAlpha() : pipeline).resize(box(preset));
  const encoded = format === 'webp' ? resized.webp(encoder.webp) : resized.jpeg(encoder.jpeg);
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return { preset: preset.name, format, width: info.width, height: info.height, data };
}
