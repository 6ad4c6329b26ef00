/**
 * The service end to end on the embedded default, against the ceiling measured earlier in the same `npm run bench`:
 *   2. throughput: every corpus image uploaded over HTTP by this (separate) client process until every image is done;
 *   3. latency from upload to done at low load (one image at a time), p50 and p95 per format;
 *   4. peak RSS of the service during (2), and while 50 concurrent 20 MB uploads stream in;
 *   5. the embedded queue alone: no-op jobs per second.
 * `npx tsx bench/service.ts [--corpus DIR] [--concurrency N] [--out FILE]`. Runs the built service (`dist/`, as
 * `npm start` does); run `npm run build` first after changing the sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openSqliteDatabase } from '../src/adapters/sqlite/sqlite-database.js';
import { createSqliteJobQueue } from '../src/adapters/sqlite/sqlite-job-queue.js';
import { createRetryPolicy } from '../src/domain/backoff.js';
import { type ImageJson, upload } from '../test/support/http.js';
import { type ServiceProcess, startService } from '../test/support/service-process.js';
import { loadCorpus } from './lib/corpus-manifest.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: join(ROOT, 'bench/corpus') },
    concurrency: { type: 'string', default: String(availableParallelism() * 2) },
    out: { type: 'string', default: join(ROOT, 'bench/results/service.json') },
    'latency-per-format': { type: 'string', default: '6' },
  },
});
const DEADLINE_MS = 15 * 60_000;
const started = Date.now();
const withinBudget = () => Date.now() - started < DEADLINE_MS;

const manifest = await loadCorpus(args.corpus!);
if (!manifest) throw new Error(`no corpus in ${args.corpus}: run npx tsx bench/corpus.ts first`);
if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run npm run build first');
const files = manifest.images.map((image) => ({ ...image, path: join(args.corpus!, image.file) }));
const kindOf = (image: (typeof files)[number]) =>
  image.format === 'png' ? (image.transparent ? 'png-alpha' : 'png') : image.format;

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

/** Samples a process's resident memory every 25 ms until stopped; returns the largest sample in MB. */
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

async function uploadAccepted(url: string, bytes: Uint8Array, name: string): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await upload(url, bytes, { filename: name });
    if (response.status === 202) return ((await response.json()) as ImageJson).id;
    if (attempt >= 5 || (response.status !== 503 && response.status !== 429)) {
      throw new Error(`upload of ${name} answered ${response.status}: ${await response.text()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitDone(url: string, id: string): Promise<ImageJson> {
  while (withinBudget()) {
    const image = (await (await fetch(`${url}/v1/images/${id}?wait=20`)).json()) as ImageJson;
    if (image.status === 'done') return image;
    if (image.status === 'failed') throw new Error(`${id} failed: ${image.error?.code} ${image.error?.message}`);
  }
  throw new Error('benchmark budget exceeded');
}

async function start(): Promise<ServiceProcess> {
  // As `npm start` runs it: built code, glibc limited to 2 malloc arenas.
  return startService({
    built: true,
    env: { LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '0', GC_INTERVAL_MS: '0', MALLOC_ARENA_MAX: '2' },
  });
}

async function stopAndClean(service: ServiceProcess) {
  await service.stop('SIGTERM');
  await rm(service.dataDir, { recursive: true, force: true });
}

// 2 and 4a: throughput and peak RSS, all images in flight at `concurrency` uploads at once.
async function throughput() {
  const service = await start();
  const bytes = await Promise.all(files.map((f) => readFile(f.path)));
  const stopSampling = sampleRss(service.child.pid!);
  const t0 = performance.now();
  let next = 0;
  const ids: string[] = [];
  const uploader = async () => {
    while (next < files.length) {
      const index = next++;
      ids[index] = await uploadAccepted(service.url, bytes[index]!, files[index]!.file);
    }
  };
  await Promise.all(Array.from({ length: Number(args.concurrency) }, uploader));
  await Promise.all(ids.map((id) => waitDone(service.url, id)));
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMb = stopSampling();
  await stopAndClean(service);
  return { images: files.length, seconds: round(seconds), imagesPerSecond: round(files.length / seconds), peakRssMb };
}

// 3: upload -> done latency at low load, per corpus kind.
async function latency() {
  const service = await start();
  const perKind = new Map<string, number[]>();
  const byKind = new Map<string, typeof files>();
  for (const image of files) byKind.set(kindOf(image), [...(byKind.get(kindOf(image)) ?? []), image]);
  for (const [kind, images] of byKind) {
    for (const image of images.slice(0, Number(args['latency-per-format']))) {
      const bytes = await readFile(image.path);
      const t0 = performance.now();
      await waitDone(service.url, await uploadAccepted(service.url, bytes, image.file));
      perKind.set(kind, [...(perKind.get(kind) ?? []), performance.now() - t0]);
    }
  }
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
  const baseline = Math.round(rssMb(service.child.pid!));
  const stopSampling = sampleRss(service.child.pid!);
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: 50 }, (_, i) => uploadAccepted(service.url, large, `large-${i}.png`)),
  );
  const uploadSeconds = (performance.now() - t0) / 1000;
  const peakDuringUploadsMb = stopSampling();
  await Promise.all(ids.map((id) => waitDone(service.url, id)));
  await stopAndClean(service);
  return {
    uploads: 50,
    bytesEach: large.length,
    uploadSeconds: round(uploadSeconds),
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
const round = (n: number) => Math.round(n * 100) / 100;

/** The ceiling at the service's own settings (jobs = cores, glibc), measured by bench/ceiling.ts in this run. */
function ceilingFigure(): { imagesPerSecond: number; config: unknown } | undefined {
  const path = join(ROOT, 'bench/results/ceiling.json');
  if (!existsSync(path)) return undefined;
  const report = JSON.parse(readFileSync(path, 'utf8')) as {
    recommended?: { imagesPerSecond: number; config: unknown };
    ceiling?: { imagesPerSecond: number; config: unknown };
  };
  return report.recommended ?? report.ceiling;
}

const report = {
  createdAt: new Date().toISOString(),
  machine: { cores: availableParallelism(), node: process.version },
  corpus: { images: files.length, megapixels: manifest.totals.megapixels },
  throughput: await throughput(),
  latency: await latency(),
  largeUploads: await concurrentLargeUploads(),
  queue: await queueAlone(),
  ceiling: ceilingFigure(),
};
const ratio = report.ceiling ? round(report.throughput.imagesPerSecond / report.ceiling.imagesPerSecond) : undefined;

console.log('\nThumbsmith service benchmark (embedded default, built dist)');
console.log(`corpus: ${files.length} images, ${manifest.totals.megapixels} MP; ${report.machine.cores} cores`);
console.table({
  'ceiling (in-process sharp)': { value: report.ceiling?.imagesPerSecond ?? 'n/a', unit: 'images/s', target: '' },
  'service end to end': { value: report.throughput.imagesPerSecond, unit: 'images/s', target: '' },
  'service / ceiling': { value: ratio ?? 'n/a', unit: 'ratio', target: '≥ 0.90' },
  'peak RSS during throughput': { value: report.throughput.peakRssMb, unit: 'MB', target: '≤ 400' },
  'peak RSS, 50 × 20 MB uploads': { value: report.largeUploads.peakDuringUploadsMb, unit: 'MB', target: '≤ 300' },
  'queue alone (no-op)': { value: report.queue.endToEndPerSecond, unit: 'jobs/s', target: '≥ 1000' },
});
console.table(report.latency);
await mkdir(join(ROOT, 'bench/results'), { recursive: true });
await writeFile(args.out!, `${JSON.stringify({ ...report, ratio }, null, 2)}\n`);
console.log(`report written to ${args.out}`);
