import { createHash } from 'node:crypto';

export const FITS = ['inside', 'cover', 'contain'] as const;
export type Fit = (typeof FITS)[number];

/** Crop anchor for `cover`: compass points, or libvips smart crop (`attention`, `entropy`). */
export const GRAVITIES = [
  'center',
  'north',
  'northeast',
  'east',
  'southeast',
  'south',
  'southwest',
  'west',
  'northwest',
  'attention',
  'entropy',
] as const;
export type Gravity = (typeof GRAVITIES)[number];

/** `auto` = JPEG for opaque images, WebP for images with transparency. */
export const PRESET_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'auto'] as const;
export type PresetFormat = (typeof PRESET_FORMATS)[number];

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

export const FILE_EXTENSIONS: Record<OutputFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
};

/** A named thumbnail definition. Presets are configuration, never code. */
export interface PresetDefinition {
  readonly name: string;
  /** Box width in pixels. */
  readonly width: number;
  /** Box height in pixels; defaults to `width` (a square box). */
  readonly height: number;
  /** @defaultValue 'inside' */
  readonly fit: Fit;
  /** Only used by `cover`. @defaultValue 'center' */
  readonly gravity: Gravity;
  /** @defaultValue 'auto' */
  readonly format: PresetFormat;
  /** Encoder quality 1-100; undefined = the encoder's Thumbsmith default. */
  readonly quality?: number;
  /** Encoder effort (webp 0-6, avif 0-9, png 1-10); undefined = the encoder's Thumbsmith default. */
  readonly effort?: number;
  /** Background for flattening alpha (JPEG) and `contain` padding, as `#rrggbb` or `#rrggbbaa`. @defaultValue '#ffffff' */
  readonly background: string;
  /** Allow output larger than the source. @defaultValue false */
  readonly enlarge: boolean;
  /** Keep an sRGB ICC profile in the output. @defaultValue false */
  readonly keepIcc: boolean;
  /** Keep animation when the input is animated and the output format can (webp, gif). @defaultValue false */
  readonly animated: boolean;
}

/** A preset plus the version of its definition, so a changed preset can be told apart from the one that made a variant. */
export interface Preset extends PresetDefinition {
  readonly version: string;
}

export function withVersion(definition: PresetDefinition): Preset {
  const canonical = JSON.stringify(
    Object.fromEntries(Object.entries(definition).sort(([a], [b]) => a.localeCompare(b))),
  );
  const version = createHash('sha256').update(canonical).digest('hex').slice(0, 12);
  return Object.freeze({ ...definition, version });
}

export const DEFAULT_PRESET_VALUES = {
  fit: 'inside',
  gravity: 'center',
  format: 'auto',
  background: '#ffffff',
  enlarge: false,
  keepIcc: false,
  animated: false,
} as const satisfies Partial<PresetDefinition>;

/** The three sizes every seed offered: fit inside the box, aspect kept, never enlarged. */
export const DEFAULT_PRESETS: readonly PresetDefinition[] = [
  { name: 'small', width: 150, height: 150, ...DEFAULT_PRESET_VALUES },
  { name: 'medium', width: 400, height: 400, ...DEFAULT_PRESET_VALUES },
  { name: 'large', width: 800, height: 800, ...DEFAULT_PRESET_VALUES },
];
