/**
 * Imaging figures (not part of `npm test`): `npx tsx test/imaging/render-bench.ts [rounds]`.
 * Probe time, and render time for the three default presets on a 12 MP JPEG (and a 12 MP PNG), comparing
 * Thumbsmith's single decode with one sharp pipeline per preset, at sharp.concurrency 1 and 2. Prints medians.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_PRESETS, type Preset, withVersion } from '../../src/domain/preset.js';
import { encode } from '../../src/imaging/encoders.js';
import { configureImaging, DEFAULT_IMAGING_LIMITS, probe, render } from '../../src/imaging/index.js';

const rounds = Number(process.argv[2] ?? 9);
const presets = DEFAULT_PRESETS.map(withVersion);
const limits = DEFAULT_IMAGING_LIMITS;

/** A photo-like 4000x3000 picture: blurred noise compresses and decodes like a real photo, unlike flat colour. */
async function photo(): Promise<Sharp> {
  const raw = await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .blur(2)
    .raw()
    .toBuffer();
  return sharp(raw, { raw: { width: 4000, height: 3000, channels: 3 } });
}

/** The alternative strategy: every preset opens, shrinks-on-load, orients and encodes the source on its own. */
async function perPresetPipelines(buffer: Buffer, list: readonly Preset[]): Promise<Buffer[]> {
  return Promise.all(
    list.map((p) =>
      encode(
        sharp(buffer, { failOn: 'error', limitInputPixels: limits.maxInputPixels })
          .autoOrient()
          .resize(p.width, p.height, { fit: 'inside', withoutEnlargement: true })
          .toColourspace('srgb'),
        'jpeg',
        p,
      ).toBuffer(),
    ),
  );
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const jpeg = await (await photo()).jpeg({ quality: 90 }).toBuffer();
const png = await (await photo()).png({ compressionLevel: 6 }).toBuffer();
const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-bench-'));
const jpegPath = join(dir, 'photo.jpg');
await writeFile(jpegPath, jpeg);
console.log(
  `inputs: 12 MP JPEG ${(jpeg.length / 1e6).toFixed(1)} MB, 12 MP PNG ${(png.length / 1e6).toFixed(1)} MB; ${rounds} rounds, medians`,
);
console.log(
  `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 4}`,
);

for (const concurrency of [1, 2]) {
  configureImaging({ concurrency, cacheMemoryMb: 0 });
  const rows: Array<[string, number]> = [
    ['probe 12 MP JPEG (buffer)', await median(() => probe({ buffer: jpeg }, limits))],
    ['probe 12 MP JPEG (file path)', await median(() => probe({ path: jpegPath }, limits))],
    ['render JPEG: single decode (file path)', await median(() => render({ path: jpegPath }, presets, limits))],
    ['render JPEG: single decode (render)', await median(() => render({ buffer: jpeg }, presets, limits))],
    ['render JPEG: one pipeline per preset', await median(() => perPresetPipelines(jpeg, presets))],
    ['render PNG: single decode (render)', await median(() => render({ buffer: png }, presets, limits))],
    ['render PNG: one pipeline per preset', await median(() => perPresetPipelines(png, presets))],
  ];
  console.log(`\nsharp.concurrency(${concurrency})`);
  for (const [name, ms] of rows) console.log(`  ${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms`);
}

await rm(dir, { recursive: true, force: true });
