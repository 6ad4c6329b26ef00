/**
 * One measured configuration of the ceiling, run in its own process so that peak RSS, the allocator (LD_PRELOAD)
 * and libvips' thread pool belong to that configuration alone. Reads a {@link RunSpec} as JSON on stdin and prints
 * one `RESULT {...}` line ({@link RunResult}) on stdout. Started by bench/ceiling.ts; not meant to be run by hand.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { machineBusyMs } from './machine-load.js';
import {
  type EncoderSettings,
  type PresetBox,
  type ProbedImage,
  RENDER_STRATEGIES,
  type StrategyName,
} from './render-strategies.js';

export interface RunSpec {
  readonly corpusDir: string;
  readonly images: readonly { readonly file: string; readonly transparent: boolean; readonly kind: string }[];
  readonly strategy: StrategyName;
  /** libvips threads per pipeline (`sharp.concurrency`). */
  readonly sharpConcurrency: number;
  /** Images rendered at once (the worker's job concurrency). */
  readonly jobs: number;
  readonly passes: number;
  /** Images rendered once, untimed, before the passes. */
  readonly warmup: number;
  readonly presets: readonly PresetBox[];
  readonly encoder: EncoderSettings;
  /** Upper bound for the whole run, in ms. */
  readonly deadlineMs: number;
}

export interface RunResult {
  readonly images: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly imagesPerSecond: number;
  readonly wallMsPerImage: number;
  readonly cpuMsPerImage: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  /** High-water RSS of this process (VmHWM; ru_maxrss would include the parent's RSS inherited at fork). */
  readonly peakRssMb: number;
  /** RSS after start-up, before any image. */
  readonly startRssMb: number;
  /** RSS once every image is done and the buffers are garbage: what fragmentation leaves behind. */
  readonly endRssMb: number;
  /** Share of the machine's CPU (0-1) that other processes used during the timed pass: noise when above ~0.1. */
  readonly otherCpuShare: number;
  readonly outputBytes: number;
  readonly variants: number;
  readonly sharpConcurrency: number;
  readonly jemalloc: boolean;
  readonly passWallMs: readonly number[];
  /** Mean time from probe to last encoded preset, per corpus kind (includes queueing behind other jobs). */
  readonly latencyByKindMs: Readonly<Record<string, number>>;
}

const spec = JSON.parse(readFileSync(0, 'utf8')) as RunSpec;
const strategy = RENDER_STRATEGIES[spec.strategy];
// A thumbnail service never sees the same input twice: libvips' operation cache would only flatter repeat passes.
sharp.cache(false);
sharp.concurrency(spec.sharpConcurrency);
const deadline = performance.now() + spec.deadlineMs;

const startRssMb = procStatusMb('VmRSS');
const images = spec.images.map((image) => ({ ...image, path: join(spec.corpusDir, image.file) }));
await pool(images.slice(0, spec.warmup), spec.jobs, () => undefined);

const latencies: number[] = [];
const byKind = new Map<string, number[]>();
const passWallMs: number[] = [];
let outputBytes = 0;
let variants = 0;
const cpuStart = process.cpuUsage();
const busyStart = machineBusyMs();
const wallStart = performance.now();
for (let pass = 0; pass < spec.passes; pass += 1) {
  const passStart = performance.now();
  await pool(images, spec.jobs, (ms, rendered, kind) => {
    latencies.push(ms);
    byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
    variants += rendered.length;
    for (const variant of rendered) outputBytes += variant.data.length;
  });
  passWallMs.push(round(performance.now() - passStart));
}
const wallMs = performance.now() - wallStart;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
const otherCpuMs = Math.max(0, machineBusyMs() - busyStart - cpuMs);
const rendered = images.length * spec.passes;
latencies.sort((a, b) => a - b);

const result: RunResult = {
  images: rendered,
  wallMs: round(wallMs),
  cpuMs: round(cpuMs),
  cpuUserMs: round(cpu.user / 1000),
  cpuSystemMs: round(cpu.system / 1000),
  imagesPerSecond: round((rendered / wallMs) * 1000, 2),
  wallMsPerImage: round(wallMs / rendered, 1),
  cpuMsPerImage: round(cpuMs / rendered, 1),
  latencyP50Ms: round(quantile(latencies, 0.5), 1),
  latencyP95Ms: round(quantile(latencies, 0.95), 1),
  // Covers the warm-up too: the peak of the process, as a worker would see it.
  peakRssMb: procStatusMb('VmHWM'),
  startRssMb,
  endRssMb: await settledRssMb(),
  otherCpuShare: round(otherCpuMs / (wallMs * availableParallelism()), 2),
  outputBytes,
  variants,
  sharpConcurrency: sharp.concurrency(),
  jemalloc: readFileSync('/proc/self/maps', 'utf8').includes('libjemalloc'),
  passWallMs,
  latencyByKindMs: Object.fromEntries(
    [...byKind].map(([kind, ms]) => [kind, round(ms.reduce((a, b) => a + b, 0) / ms.length, 1)]),
  ),
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);

/** Renders every image with at most `jobs` in flight. */
async function pool(
  queue: readonly (ProbedImage & { kind: string })[],
  jobs: number,
  done: (ms: number, rendered: readonly { data: Buffer }[], kind: string) => void,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      if (performance.now() > deadline) throw new Error(`run exceeded its deadline of ${spec.deadlineMs} ms`);
      const image = queue[next++]!;
      const start = performance.now();
      // The service probes every upload (header only) before rendering; every strategy pays for it alike.
      await sharp(image.path).metadata();
      const rendered = await strategy.render(image, spec.presets, spec.encoder);
      done(performance.now() - start, rendered, image.kind);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}

/** RSS after a garbage collection when exposed (--expose-gc), else after a short pause for pending frees. */
async function settledRssMb(): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((done) => setTimeout(done, 200));
  return procStatusMb('VmRSS');
}

function procStatusMb(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return round(Number(match?.[1] ?? 0) / 1024, 1);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
