import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  type EncoderSettings,
  type PresetBox,
  type ProbedImage,
  RENDER_STRATEGIES,
  type RenderedVariant,
  type StrategyName,
} from './render-strategies.js';

/** How one strategy's outputs compare with the per-preset pipelines' on the same images. */
export interface StrategyCheck {
  readonly strategy: StrategyName;
  readonly variants: number;
  /** Variants whose width or height differs from the reference. */
  readonly sizeMismatches: readonly string[];
  readonly formatMismatches: readonly string[];
  /** Variants that carry EXIF, XMP, IPTC or an ICC profile, or are not 8-bit sRGB. */
  readonly metadataLeaks: readonly string[];
  /** Variants of the EXIF orientation 6 probe that did not come out rotated. */
  readonly orientationFailures: readonly string[];
  /** Mean absolute difference from the reference, per 8-bit sample, over variants of equal size. */
  readonly meanAbsDiff: number;
  readonly maxAbsDiff: number;
}

const REFERENCE: StrategyName = 'per-preset';

/**
 * Renders `images` with every strategy and checks the outputs are what the service must produce, so a faster
 * strategy cannot win by doing less: same formats and sizes as one pipeline per preset, no metadata, sRGB, pixels
 * within resampling noise of the reference. Adds a copy of the first JPEG tagged EXIF orientation 6, which every
 * strategy must rotate.
 */
export async function verifyStrategies(
  images: readonly ProbedImage[],
  strategies: readonly StrategyName[],
  presets: readonly PresetBox[],
  encoder: EncoderSettings,
): Promise<StrategyCheck[]> {
  const work = await mkdtemp(join(tmpdir(), 'thumbsmith-verify-'));
  try {
    const firstJpeg = images.find((image) => image.path.endsWith('.jpg'));
    const rotated = firstJpeg ? await orientationProbe(firstJpeg.path, work) : undefined;
    const all = rotated ? [...images, rotated] : images;
    const reference = await renderAll(REFERENCE, all, presets, encoder);
    const checks: StrategyCheck[] = [];
    for (const strategy of strategies) {
      const outputs = strategy === REFERENCE ? reference : await renderAll(strategy, all, presets, encoder);
      checks.push(await compare(strategy, all, outputs, reference, rotated?.path));
    }
    return checks;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function renderAll(
  strategy: StrategyName,
  images: readonly ProbedImage[],
  presets: readonly PresetBox[],
  encoder: EncoderSettings,
): Promise<RenderedVariant[][]> {
  const outputs: RenderedVariant[][] = [];
  for (const image of images) outputs.push(await RENDER_STRATEGIES[strategy].render(image, presets, encoder));
  return outputs;
}

/** A landscape JPEG re-saved with EXIF orientation 6 (rotate 90° clockwise to display): outputs must be portrait. */
async function orientationProbe(path: string, work: string): Promise<ProbedImage> {
  const out = join(work, 'orientation-6.jpg');
  const { width = 0, height = 0 } = await sharp(path).metadata();
  const landscape = width >= height ? sharp(path) : sharp(path).rotate(90);
  await landscape.jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toFile(out);
  return { path: out, transparent: false };
}

async function compare(
  strategy: StrategyName,
  images: readonly ProbedImage[],
  outputs: readonly RenderedVariant[][],
  reference: readonly RenderedVariant[][],
  rotatedPath: string | undefined,
): Promise<StrategyCheck> {
  const sizeMismatches: string[] = [];
  const formatMismatches: string[] = [];
  const metadataLeaks: string[] = [];
  const orientationFailures: string[] = [];
  let diffSum = 0;
  let diffCount = 0;
  let maxAbsDiff = 0;
  let variants = 0;
  for (const [i, image] of images.entries()) {
    for (const [j, variant] of (outputs[i] ?? []).entries()) {
      variants += 1;
      const expected = reference[i]?.[j];
      const label = `${image.path.split('/').pop()}:${variant.preset}`;
      if (!expected) continue;
      if (variant.format !== expected.format) formatMismatches.push(`${label} ${variant.format}≠${expected.format}`);
      const meta = await sharp(variant.data).metadata();
      if (meta.exif || meta.xmp || meta.iptc || meta.icc || meta.space !== 'srgb' || meta.depth !== 'uchar') {
        metadataLeaks.push(label);
      }
      if (image.path === rotatedPath && !(variant.height > variant.width)) orientationFailures.push(label);
      if (variant.width !== expected.width || variant.height !== expected.height) {
        sizeMismatches.push(`${label} ${variant.width}x${variant.height}≠${expected.width}x${expected.height}`);
        continue;
      }
      const diff = await meanAbsDiff(variant.data, expected.data);
      diffSum += diff;
      diffCount += 1;
      maxAbsDiff = Math.max(maxAbsDiff, diff);
    }
  }
  return {
    strategy,
    variants,
    sizeMismatches,
    formatMismatches,
    metadataLeaks,
    orientationFailures,
    meanAbsDiff: Math.round((diffSum / Math.max(1, diffCount)) * 100) / 100,
    maxAbsDiff: Math.round(maxAbsDiff * 100) / 100,
  };
}

/** Mean |a - b| over all samples of two same-sized encoded images, decoded to 8-bit sRGB with alpha. */
async function meanAbsDiff(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((data) => sharp(data).ensureAlpha().raw().toBuffer()));
  if (!x || !y || x.length !== y.length) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < x.length; i += 1) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}
