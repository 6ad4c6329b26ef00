import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const CORPUS_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type CorpusFormat = (typeof CORPUS_FORMATS)[number];

/** One image of the corpus, as listed in `manifest.json`. */
export interface CorpusImage {
  /** File name inside the corpus directory. */
  readonly file: string;
  readonly format: CorpusFormat;
  readonly width: number;
  readonly height: number;
  readonly megapixels: number;
  /** The file has an alpha channel (it may still be fully opaque). */
  readonly hasAlpha: boolean;
  /** Some pixel is not fully opaque: the service's `auto` format gives WebP for these and JPEG for the rest. */
  readonly transparent: boolean;
  readonly bytes: number;
  /** Debian package the file came from, `dir` for a user directory, or `derived` for a conversion made here. */
  readonly sourcePackage: string;
  /** Path inside the package (or the user directory) the file was copied from. */
  readonly sourcePath: string;
  /** Colour space libvips reports (`srgb`, `b-w`, ...). */
  readonly space: string;
  /** The file embeds an ICC profile (so sRGB conversion does real work). */
  readonly icc: boolean;
  /** EXIF orientation, 1 when absent. */
  readonly orientation: number;
  readonly sha256: string;
}

export interface CorpusSource {
  readonly kind: 'debian' | 'dir';
  /** Debian packages used, with the exact versions downloaded. */
  readonly packages?: readonly { readonly name: string; readonly version: string }[];
  /** Directory the images were taken from (kind `dir`). */
  readonly dir?: string;
}

export interface CorpusManifest {
  readonly version: typeof MANIFEST_VERSION;
  readonly createdAt: string;
  readonly source: CorpusSource;
  /** What was done beyond copying (conversions, shortfalls against the targets). */
  readonly notes: readonly string[];
  readonly totals: {
    readonly images: number;
    readonly bytes: number;
    readonly megapixels: number;
    readonly byKind: Readonly<Record<string, number>>;
  };
  readonly images: readonly CorpusImage[];
}

export const MANIFEST_FILE = 'manifest.json';
/** Bumped when a field is added, so an older corpus is rebuilt rather than misread. */
export const MANIFEST_VERSION = 2;

/**
 * Reads `manifest.json` from a corpus directory and checks every listed file is there with its recorded size.
 * Returns `undefined` when there is no usable corpus (no manifest, or a file missing or changed).
 */
export async function loadCorpus(dir: string): Promise<CorpusManifest | undefined> {
  let manifest: CorpusManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as CorpusManifest;
  } catch {
    return undefined;
  }
  if (manifest.version !== MANIFEST_VERSION || !Array.isArray(manifest.images) || manifest.images.length === 0)
    return undefined;
  for (const image of manifest.images) {
    const size = await stat(join(dir, image.file)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== image.bytes) return undefined;
  }
  return manifest;
}

/** The bench's grouping of an image: format plus, for PNG, whether it has alpha. */
export function corpusKind(image: Pick<CorpusImage, 'format' | 'hasAlpha'>): string {
  if (image.format !== 'png') return image.format;
  return image.hasAlpha ? 'png-alpha' : 'png-opaque';
}
