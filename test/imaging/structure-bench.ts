/**
 * Cost of the structural walk (not part of `npm test`): `npx tsx test/imaging/structure-bench.ts [rounds]`.
 * Walks large real files from disk (as the upload probe does): a progressive and a baseline JPEG, a PNG and a GIF of
 * noise (the JPEGs and the PNG near the 50 MiB upload limit), and the two bombs of issue 13. Prints the median wall
 * time of the walk and the process's RSS growth, and for comparison sharp's `metadata()` on the same file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_IMAGING_LIMITS, type ImagingLimits } from '../../src/imaging/index.js';
import { assertStructureWithinLimits } from '../../src/imaging/structure.js';
import { jpegScanBomb, ztxtBomb } from '../support/bombs.js';
import { makePng } from '../support/images.js';

const rounds = Number(process.argv[2] ?? 7);
/** For ordinary files: never refuse, so the walk runs to the end of the file. Bombs get the defaults (refused). */
const unlimited = {
  ...DEFAULT_IMAGING_LIMITS,
  maxJpegScans: 1e9,
  maxAncillaryChunks: 1e9,
  maxMetadataBytes: 2 ** 31,
  maxFrames: 1e9,
};

function noise(width: number, height: number) {
  return sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeOf(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-structure-bench-'));
try {
  const files: Array<[string, 'jpeg' | 'png' | 'gif', Buffer, ImagingLimits]> = [
    [
      'JPEG progressive 6000x6000 q98',
      'jpeg',
      await noise(6000, 6000).jpeg({ quality: 98, progressive: true }).toBuffer(),
      unlimited,
    ],
    ['JPEG baseline 6000x6000 q98', 'jpeg', await noise(6000, 6000).jpeg({ quality: 98 }).toBuffer(), unlimited],
    ['PNG 4000x3000 RGB', 'png', await noise(4000, 3000).png({ compressionLevel: 1 }).toBuffer(), unlimited],
    ['GIF 4000x3000', 'gif', await noise(4000, 3000).gif({ effort: 1, dither: 0 }).toBuffer(), unlimited],
    ['JPEG scan bomb (2647 scans)', 'jpeg', jpegScanBomb(), DEFAULT_IMAGING_LIMITS],
    ['PNG zTXt bomb (300 x 20 MiB)', 'png', ztxtBomb(await makePng({ width: 64, height: 48 })), DEFAULT_IMAGING_LIMITS],
  ];
  for (const [name, format, bytes, limits] of files) {
    const path = join(dir, `${format}-${bytes.length}`);
    await writeFile(path, bytes);
    const rssBefore = process.memoryUsage().rss;
    const walk = await timeOf(() =>
      assertStructureWithinLimits({ path }, format, limits).catch((error: { code?: string }) => error.code),
    );
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const metadata = await timeOf(() => sharp(path).metadata());
    console.log(
      `${name.padEnd(34)} ${(bytes.length / 1024 ** 2).toFixed(1).padStart(5)} MiB: walk ${walk.toFixed(1).padStart(6)} ms` +
        ` (RSS +${(rssGrowth / 1024 ** 2).toFixed(0)} MiB), sharp metadata() ${metadata.toFixed(1).padStart(7)} ms`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
