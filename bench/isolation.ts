/**
 * What render isolation costs: probe and render of a 12 MP JPEG and a small PNG in this process against the same
 * through the imaging pool (one warm child; the request and the results cross the IPC channel), median of N runs
 * each, plus a child's start-up time and idle resident memory.
 *
 *   npx tsx bench/isolation.ts [--runs 15]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { DEFAULT_PRESETS, withVersion } from '../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, type Imager, ImagingPool, inProcessImager } from '../src/imaging/index.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Math.max(3, Number(args.runs));
const presets = DEFAULT_PRESETS.map(withVersion);
const limits = DEFAULT_IMAGING_LIMITS;

/**
 * A photo-like 12 MP JPEG (noise, so the encoders do real work) and a small PNG with alpha, as files: the service
 * hands the pool paths (the spooled upload, the stored original), so only the results cross the IPC channel.
 */
async function inputs(dir: string): Promise<Array<{ name: string; path: string }>> {
  const photo = await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
  const icon = await sharp({ create: { width: 256, height: 256, channels: 4, background: '#3366cc80' } })
    .png()
    .toBuffer();
  await writeFile(join(dir, 'photo.jpg'), photo);
  await writeFile(join(dir, 'icon.png'), icon);
  return [
    { name: '12 MP JPEG', path: join(dir, 'photo.jpg') },
    { name: '256 px PNG', path: join(dir, 'icon.png') },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Median times of `local` and `isolated`, run in alternation so that load from other processes on the machine falls
 * on both alike.
 */
async function timePaired(local: () => Promise<unknown>, isolated: () => Promise<unknown>): Promise<[number, number]> {
  await local(); // warm-up: caches, lazy loading, the child's first use
  await isolated();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < RUNS; i++) {
    for (const [index, work] of [local, isolated].entries()) {
      const started = performance.now();
      await work();
      times[index]!.push(performance.now() - started);
    }
  }
  return [median(times[0]), median(times[1])];
}

async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)![1]) / 1024;
}

const pool = new ImagingPool({
  name: 'bench',
  size: 1,
  memoryLimitMb: 4096,
  probeTimeoutMs: 60_000,
  renderTimeoutMs: 600_000,
  settings: { concurrency: 1, cacheMemoryMb: 0 },
  logger: { info: () => {}, warn: () => {} },
});
const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-isolation-'));
try {
  const startedAt = performance.now();
  await pool.probe({ buffer: Buffer.from('x') }, limits).catch(() => {});
  const startMs = performance.now() - startedAt;
  const pid = pool.health().pids[0]!;
  const idleMb = await residentMb(pid);
  console.log(
    `child: first request after ${startMs.toFixed(0)} ms (start-up included); idle RSS ${idleMb.toFixed(0)} MB`,
  );
  console.log(`runs per figure: ${RUNS}, alternating (median, ms); sharp concurrency 1 in both`);
  console.log('| input | step | in process | pool | overhead |');
  console.log('|---|---|---|---|---|');
  sharp.concurrency(1);
  sharp.cache({ memory: 0, files: 0, items: 100 });
  for (const { name, path } of await inputs(dir)) {
    for (const step of ['probe', 'render'] as const) {
      const run = (imager: Imager) => () =>
        step === 'probe' ? imager.probe({ path }, limits) : imager.render({ path }, presets, limits);
      const [local, isolated] = await timePaired(run(inProcessImager), run(pool));
      const overhead = isolated - local;
      console.log(`| ${name} | ${step} | ${local.toFixed(1)} | ${isolated.toFixed(1)} | ${overhead.toFixed(1)} |`);
    }
  }
  console.log(`child RSS after the runs: ${(await residentMb(pid)).toFixed(0)} MB`);
} finally {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
}
