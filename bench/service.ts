// Over 400 lines on purpose: the bench's numbered rounds share one started service and one report; each round is its
// own function below.

/**
 * The service end to end on the embedded default, against the ceiling measured in the same rounds:
 *   2. throughput: every corpus image uploaded over HTTP by this (separate) client process until every image is done;
 *   3. latency from upload to done at low load (one image at a time), p50 and p95 per format;
 *   4. peak RSS of the service during (2), and while 50 concurrent 20 MB uploads stream in;
 *   5. the embedded queue alone: no-op jobs per second.
 * `npx tsx bench/service.ts [--corpus DIR] [--concurrency N] [--out FILE] [--steps throughput,latency,large,queue]
 * [--cpu-prof DIR] [--env NAME=VALUE ...]`. Runs the built service (`dist/`, as `npm start` does); run
 * `npm run build` first after changing the sources. `--cpu-prof` writes a V8 CPU profile of each service process into DIR (see README.md for reading it);
 * `--env` adds to the service's environment, to compare settings (e.g. `--env WORKER_CONCURRENCY=3`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openSqliteDatabase } from '../src/adapters/sqlite/sqlite-database.js';
import { createSqliteJobQueue } from '../src/adapters/sqlite/sqlite-job-queue.js';
import { createRetryPolicy } from '../src/domain/backoff.js';
import type { Image as ImageJson } from '../src/sdk/index.js';
import { type ServiceProcess, startService } from '../test/support/service-process.js';
import type { RunResult } from './lib/ceiling-run.js';
import { runCeiling, SERVICE_ENCODER } from './lib/ceiling-spawn.js';
import { loadCorpus } from './lib/corpus-manifest.js';
import { LeanClient } from './lib/lean-client.js';
import { machineBusyMs } from './lib/machine-load.js';
import { cpuMs, pssMb, statusMb, treeSum } from './lib/process-tree.js';
import type { StrategyName } from './lib/render-strategies.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: join(ROOT, 'bench/corpus') },
    concurrency: { type: 'string', default: String(availableParallelism() * 2) },
    out: { type: 'string', default: join(ROOT, 'bench/results/service.json') },
    'latency-per-format': { type: 'string', default: '6' },
    steps: { type: 'string', default: 'throughput,latency,large,queue' },
    rounds: { type: 'string', default: '5' },
    'cpu-prof': { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const steps = new Set(args.steps!.split(','));
const DEADLINE_MS = 15 * 60_000;
const started = Date.now();
const withinBudget = () => Date.now() - started < DEADLINE_MS;

const manifest = await loadCorpus(args.corpus!);
if (!manifest) throw new Error(`no corpus in ${args.corpus}: run npx tsx bench/corpus.ts first`);
if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run npm run build first');
const files = manifest.images.map((image) => ({ ...image, path: join(args.corpus!, image.file) }));
const kindOf = (image: (typeof files)[number]) =>
  image.format === 'png' ? (image.transparent ? 'png-alpha' : 'png') : image.format;

/**
 * Resident memory of the service in MB: its server process and its imaging children summed. For `VmHWM` the sum of
 * each process's own high-water mark: an upper bound, as the peaks need not coincide.
 */
function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return treeSum(pid, (member) => statusMb(member, field));
}

/** Samples the service's resident memory (process tree) every 25 ms until stopped; returns the largest sample in MB. */
function sampleRss(pid: number) {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 25);
  return () => {
    clearInterval(timer);
    return Math.round(Math.max(peak, rssMb(pid)));
  };
}

async function uploadAccepted(client: LeanClient, bytes: Uint8Array, name: string): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await client.upload(bytes, name);
    if (response.status === 202) return (response.body as ImageJson).id;
    if (attempt >= 5 || (response.status !== 503 && response.status !== 429)) {
      throw new Error(`upload of ${name} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitDone(client: LeanClient, id: string): Promise<ImageJson> {
  while (withinBudget()) {
    const image = (await client.get(`/v1/images/${id}?wait=20`)).body as ImageJson;
    if (image.status === 'done') return image;
    if (image.status === 'failed') throw new Error(`${id} failed: ${image.error?.code} ${image.error?.message}`);
  }
  throw new Error('benchmark budget exceeded');
}

/** glibc's settings as `npm start` (and the Dockerfile) set them; the ceiling gets the same, so only the code differs. */
const NPM_START_ALLOCATOR = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '4194304' } as const;

async function start(): Promise<ServiceProcess> {
  // As `npm start` runs it: built code, glibc's allocator settings.
  // node refuses --cpu-prof in NODE_OPTIONS, so a preloaded module profiles the service (bench/lib/cpu-profile.mjs).
  const profile: Record<string, string> = args['cpu-prof']
    ? {
        NODE_OPTIONS: `--import ${join(ROOT, 'bench/lib/cpu-profile.mjs')}`,
        THUMBSMITH_CPU_PROFILE_DIR: resolve(args['cpu-prof']),
      }
    : {};
  return startService({
    built: true,
    env: {
      LOG_LEVEL: 'info',
      SWEEP_INTERVAL_MS: '0',
      GC_INTERVAL_MS: '0',
      ...NPM_START_ALLOCATOR,
      ...profile,
      ...Object.fromEntries(
        args.env!.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      ),
    },
  });
}

/**
 * CPU time (user + system) so far, in ms, of the server's main thread, and of the whole service: every thread of the
 * server and of its imaging children (where the decoding now runs).
 */
function processCpuMs(pid: number): { main: number; all: number } {
  return { main: cpuMs(pid, `/proc/${pid}/task/${pid}/stat`), all: treeSum(pid, (member) => cpuMs(member)) };
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Images to warm the service up with, as the ceiling renders a few images untimed before its pass: the first image of
 * each corpus kind, re-encoded at half size in its own format. The bytes differ from the corpus', so content dedup
 * does not turn the timed uploads into reuses; the decoders and encoders are loaded and the JIT is warm.
 */
async function warmupImages(): Promise<{ name: string; bytes: Buffer }[]> {
  const firstOfKind = new Map<string, (typeof files)[number]>();
  for (const image of files) if (!firstOfKind.has(kindOf(image))) firstOfKind.set(kindOf(image), image);
  return Promise.all(
    [...firstOfKind.values()].map(async (image) => {
      const format = image.format as 'jpeg' | 'png' | 'webp';
      const half = sharp(image.path).resize(Math.round(image.width / 2));
      return {
        name: `warmup-${basename(image.file, extname(image.file))}.${format}`,
        bytes: await half.toFormat(format).toBuffer(),
      };
    }),
  );
}

/** Seconds spent so far in each job stage, summed over presets, from the service's own histogram. */
async function stageSeconds(client: LeanClient): Promise<Map<string, number>> {
  const { text } = await client.text('/metrics');
  const seconds = new Map<string, number>();
  for (const match of text.matchAll(/^thumbsmith_job_stage_duration_seconds_sum\{stage="(\w+)"[^}]*\} (\S+)$/gm)) {
    seconds.set(match[1]!, (seconds.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return seconds;
}

async function stopAndClean(service: ServiceProcess) {
  await service.stop('SIGTERM');
  await rm(service.dataDir, { recursive: true, force: true });
}

/**
 * (1) against (2) in the same minutes: the host's speed drifts by ±10 % within minutes on this shared machine, so a
 * ceiling measured earlier says little. Each round runs the ceiling (in its own process, at the service's settings:
 * the strategy from results/ceiling.json when there is one, jobs = cores, 1 libvips thread, glibc's settings as
 * `npm start` sets them) and the service, alternating which goes first (ABBA) so a drift in time favours neither; the
 * ratio of each round's pair is the figure, and the median round is reported.
 */
async function throughput() {
  const recommended = ceilingFigure()?.config as { strategy?: StrategyName } | undefined;
  const ceilingRun = () =>
    runCeiling(args.corpus!, manifest!, {
      strategy: recommended?.strategy ?? 'raw-parallel',
      sharpConcurrency: 1,
      jobs: availableParallelism(),
      encoder: SERVICE_ENCODER,
      passes: 1,
      allocatorEnv: NPM_START_ALLOCATOR,
    });
  const rounds = [];
  for (let round = 0; round < Number(args.rounds) && (round === 0 || withinBudget()); round++) {
    let ceiling: RunResult;
    let service: Awaited<ReturnType<typeof serviceThroughput>>;
    if (round % 2 === 0) {
      ceiling = ceilingRun();
      service = await serviceThroughput();
    } else {
      service = await serviceThroughput();
      ceiling = ceilingRun();
    }
    const ratio = round2(service.imagesPerSecond / ceiling.imagesPerSecond);
    console.log(
      `  round ${round + 1}: ceiling ${round2(ceiling.imagesPerSecond)} img/s (${round2(ceiling.cpuMsPerImage)} CPU ms), ` +
        `service ${service.imagesPerSecond} img/s (${service.serviceCpuMsPerImage} CPU ms), ratio ${ratio}`,
    );
    rounds.push({
      ceiling: {
        imagesPerSecond: round2(ceiling.imagesPerSecond),
        cpuMsPerImage: round2(ceiling.cpuMsPerImage),
        peakRssMb: round2(ceiling.peakRssMb),
        otherCpuShare: round2(ceiling.otherCpuShare),
      },
      service,
      ratio,
    });
  }
  const middle = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor((rounds.length - 1) / 2)]!;
  return { rounds, median: middle, peakRssMb: Math.max(...rounds.map((r) => r.service.peakRssMb)) };
}

// 2 and 4a: throughput and peak RSS, all images in flight at `concurrency` uploads at once, after a warm-up.
async function serviceThroughput() {
  const service = await start();
  const client = new LeanClient(service.url);
  const pid = service.child.pid!;
  for (const warmup of await warmupImages()) {
    await waitDone(client, await uploadAccepted(client, warmup.bytes, warmup.name));
  }
  // Read before the clock starts, as the ceiling's files are in the page cache: only sending them is timed.
  const bytes = await Promise.all(files.map((f) => readFile(f.path)));
  const stages0 = await stageSeconds(client);
  const [busy0, service0, client0] = [machineBusyMs(), processCpuMs(pid), ownCpuMs()];
  const t0 = performance.now();
  let next = 0;
  const ids: string[] = [];
  const uploader = async () => {
    while (next < files.length) {
      const index = next++;
      ids[index] = await uploadAccepted(client, bytes[index]!, files[index]!.file);
    }
  };
  await Promise.all(Array.from({ length: Number(args.concurrency) }, uploader));
  const uploadedMs = performance.now() - t0;
  await Promise.all(ids.map((id) => waitDone(client, id)));
  const wallMs = performance.now() - t0;
  const service1 = processCpuMs(pid);
  const [busy, serviceCpu, clientCpu] = [machineBusyMs() - busy0, service1.all - service0.all, ownCpuMs() - client0];
  const mainThreadCpu = service1.main - service0.main;
  // The kernel's high-water mark of this fresh process (its warm-up images are half-size, so the timed pass sets it):
  // exact, and unlike sampling every few ms it costs this client, on the service's cores, nothing while timed.
  const peakRssMb = Math.round(rssMb(pid, 'VmHWM'));
  const pss = Math.round(treeSum(pid, pssMb));
  const stages = await stageSeconds(client);
  client.close();
  await stopAndClean(service);
  const perImage = (ms: number) => round2(ms / files.length);
  const stageMsPerImage = Object.fromEntries(
    [...stages].map(([stage, seconds]) => [stage, perImage((seconds - (stages0.get(stage) ?? 0)) * 1000)]),
  );
  return {
    images: files.length,
    seconds: round2(wallMs / 1000),
    imagesPerSecond: round2(files.length / (wallMs / 1000)),
    uploadsSeconds: round2(uploadedMs / 1000),
    serviceCpuMsPerImage: perImage(serviceCpu),
    /** The event loop's share of it: HTTP, JSON, SQLite, hashing, stream plumbing (libvips runs on other threads). */
    serviceMainThreadCpuMsPerImage: perImage(mainThreadCpu),
    clientCpuMsPerImage: perImage(clientCpu),
    /** Share of the whole machine (all cores) that the service used while timed. */
    serviceCoresUsed: round2(serviceCpu / (wallMs * availableParallelism())),
    /** Share of the machine other processes (not the service, not this client) used while timed: noise above ~0.1. */
    otherCpuShare: round2(Math.max(0, busy - serviceCpu - clientCpu) / (wallMs * availableParallelism())),
    /** Server and imaging children: the sum of each process's high-water mark (an upper bound). */
    peakRssMb,
    /** Proportional set size of the whole tree at the end of the pass (shared libraries counted once). */
    endPssMb: pss,
    /** Wall time per image in each job stage (presets summed; they run in parallel), from the service's metrics. */
    stageMsPerImage,
  };
}

// 3: upload -> done latency at low load, per corpus kind.
async function latency() {
  const service = await start();
  const client = new LeanClient(service.url);
  const perKind = new Map<string, number[]>();
  const byKind = new Map<string, typeof files>();
  for (const image of files) byKind.set(kindOf(image), [...(byKind.get(kindOf(image)) ?? []), image]);
  for (const [kind, images] of byKind) {
    for (const image of images.slice(0, Number(args['latency-per-format']))) {
      const bytes = await readFile(image.path);
      const t0 = performance.now();
      await waitDone(client, await uploadAccepted(client, bytes, image.file));
      perKind.set(kind, [...(perKind.get(kind) ?? []), performance.now() - t0]);
    }
  }
  client.close();
  await stopAndClean(service);
  return Object.fromEntries(
    [...perKind].map(([kind, ms]) => [kind, { n: ms.length, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95) }]),
  );
}

// 4b: peak RSS while 50 uploads of 20 MB each stream in at once.
async function concurrentLargeUploads() {
  const side = 2600; // 2600² × 3 bytes of noise, stored without compression: about 20 MB.
  const large = await sharp({
    create: {
      width: side,
      height: side,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const service = await start();
  const client = new LeanClient(service.url);
  const baseline = Math.round(rssMb(service.child.pid!));
  const stopSampling = sampleRss(service.child.pid!);
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => uploadAccepted(client, large, `large-${i}.png`)));
  const uploadSeconds = (performance.now() - t0) / 1000;
  const peakDuringUploadsMb = stopSampling();
  await Promise.all(ids.map((id) => waitDone(client, id)));
  client.close();
  await stopAndClean(service);
  return {
    uploads: 50,
    bytesEach: large.length,
    uploadSeconds: round2(uploadSeconds),
    baselineRssMb: baseline,
    peakDuringUploadsMb,
  };
}

// 5: the embedded queue alone, no-op jobs.
async function queueAlone() {
  const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-bench-queue-'));
  const database = openSqliteDatabase(join(dir, 'queue.db'));
  const queue = createSqliteJobQueue(
    database,
    createRetryPolicy({ maxAttempts: 3, backoffMs: 100, backoffMaxMs: 1000, leaseMs: 30_000 }),
  );
  const jobs = 5000;
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += 1) {
    await queue.enqueue({ name: 'render', data: { imageId: `img_${i}` } }, { jobId: `bench:${i}` });
  }
  const enqueued = performance.now();
  let done = 0;
  await new Promise<void>((resolveAll) => {
    queue.consume(
      async () => {
        done += 1;
        if (done === jobs) resolveAll();
      },
      { concurrency: 4 },
    );
  });
  const finished = performance.now();
  await queue.close();
  database.close();
  await rm(dir, { recursive: true, force: true });
  return {
    jobs,
    enqueuePerSecond: Math.round(jobs / ((enqueued - t0) / 1000)),
    consumePerSecond: Math.round(jobs / ((finished - enqueued) / 1000)),
    endToEndPerSecond: Math.round(jobs / ((finished - t0) / 1000)),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}
const round2 = (n: number) => Math.round(n * 100) / 100;

/** The recommended ceiling configuration of the last bench/ceiling.ts run, when there is one. */
function ceilingFigure(): { imagesPerSecond: number; cpuMsPerImage?: number; config: unknown } | undefined {
  const path = join(ROOT, 'bench/results/ceiling.json');
  if (!existsSync(path)) return undefined;
  type Figure = { imagesPerSecond: number; cpuMsPerImage?: number; config: unknown };
  const report = JSON.parse(readFileSync(path, 'utf8')) as { recommended?: Figure; ceiling?: Figure };
  return report.recommended ?? report.ceiling;
}

const report = {
  createdAt: new Date().toISOString(),
  machine: { cores: availableParallelism(), node: process.version },
  corpus: { images: files.length, megapixels: manifest.totals.megapixels },
  throughput: steps.has('throughput') ? await throughput() : undefined,
  latency: steps.has('latency') ? await latency() : undefined,
  largeUploads: steps.has('large') ? await concurrentLargeUploads() : undefined,
  queue: steps.has('queue') ? await queueAlone() : undefined,
};
const ceiling = report.throughput?.median.ceiling;
const measured = report.throughput?.median.service;
const ratio = report.throughput?.median.ratio;
const na = (value: number | undefined) => value ?? 'n/a';

console.log('\nThumbsmith service benchmark (embedded default, built dist)');
console.log(`corpus: ${files.length} images, ${manifest.totals.megapixels} MP; ${report.machine.cores} cores`);
console.table({
  'ceiling (in-process sharp), median round': { value: na(ceiling?.imagesPerSecond), unit: 'images/s', target: '' },
  'service end to end, same round': { value: na(measured?.imagesPerSecond), unit: 'images/s', target: '' },
  'service / ceiling, median of rounds': { value: na(ratio), unit: 'ratio', target: '≥ 0.90' },
  'ceiling CPU': { value: na(ceiling?.cpuMsPerImage), unit: 'ms/image', target: '' },
  'service CPU': { value: na(measured?.serviceCpuMsPerImage), unit: 'ms/image', target: '' },
  'service CPU, main thread': { value: na(measured?.serviceMainThreadCpuMsPerImage), unit: 'ms/image', target: '' },
  'client CPU (this process)': { value: na(measured?.clientCpuMsPerImage), unit: 'ms/image', target: '' },
  'other processes during throughput': { value: na(measured?.otherCpuShare), unit: 'machine share', target: '< 0.1' },
  'peak RSS during throughput, all rounds (all processes)': {
    value: na(report.throughput?.peakRssMb),
    unit: 'MB',
    target: '≤ 400',
  },
  'PSS after the pass (all processes)': { value: na(measured?.endPssMb), unit: 'MB', target: '' },
  'peak RSS, 50 × 20 MB uploads': { value: na(report.largeUploads?.peakDuringUploadsMb), unit: 'MB', target: '≤ 300' },
  'queue alone (no-op)': { value: na(report.queue?.endToEndPerSecond), unit: 'jobs/s', target: '≥ 1000' },
});
if (measured) console.table({ 'wall ms per image (presets summed)': measured.stageMsPerImage });
if (report.latency) console.table(report.latency);
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(args.out!, `${JSON.stringify({ ...report, ratio }, null, 2)}\n`);
console.log(`report written to ${args.out}`);
