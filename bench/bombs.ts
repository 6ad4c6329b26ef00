/**
 * What each bomb class of issue 13 costs the service: one upload each to a fresh `thumbsmith start` (run from the
 * sources of `--root`, default this checkout), followed until the image is final or the bound runs out, while every
 * process of the service (the server and its imaging children) is sampled from /proc: the peak of their summed
 * resident memory and the CPU-seconds they spent. Run it against an older checkout to get the "before" figures:
 *
 *   npx tsx bench/bombs.ts [--root /path/to/checkout] [--bound-s 300] [--budgets-only]
 *
 * `--budgets-only` turns the structural limits out of the way to show what the imaging children's budgets
 * (`RENDER_MEMORY_LIMIT_MB`, `PROBE_TIMEOUT_MS`, `JOB_TIMEOUT_MS` at their defaults) do on their own.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jpegScanBomb, ztxtBomb } from '../test/support/bombs.js';
import { makePng } from '../test/support/images.js';
import { removeDataDir, type ServiceProcess, startService } from '../test/support/service-process.js';
import { cpuMs, processTree, statusMb } from './lib/process-tree.js';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dirname, '..') },
    'bound-s': { type: 'string' },
    // The budgets alone: structural limits at their maxima and the default JOB_TIMEOUT_MS.
    'budgets-only': { type: 'boolean', default: false },
  },
});
const ROOT = resolve(args.root);
const BOUND_MS = Number(args['bound-s'] ?? 300) * 1000;

/** Samples the service's process tree every 20 ms: peak summed RSS, and CPU per pid (its last reading counts). */
function sampler(pid: number) {
  const cpu = new Map<number, number>();
  let peak = 0;
  const sample = () => {
    let rss = 0;
    for (const member of processTree(pid)) {
      try {
        const used = cpuMs(member);
        rss += statusMb(member, 'VmRSS');
        cpu.set(member, used);
      } catch {
        // gone meanwhile
      }
    }
    peak = Math.max(peak, rss);
  };
  const baseline = () => {
    sample();
    return new Map(cpu);
  };
  return { sample, baseline, peak: () => peak, resetPeak: () => (peak = 0), cpu };
}

/** The service of `--root` with the bombs' settings (rate limits off, as `startService` sets them). */
function startBombService(): Promise<ServiceProcess> {
  return startService({
    root: ROOT,
    env: args['budgets-only']
      ? { MAX_JPEG_SCANS: '1000000', MAX_PNG_CHUNKS: '10000000', MAX_METADATA_BYTES: String(Number.MAX_SAFE_INTEGER) }
      : // Let the bombs run their course: the figures are the full cost of what the limits did not stop.
        { JOB_TIMEOUT_MS: String(BOUND_MS) },
  });
}

/** Uploads `bytes`, then follows the image until it is final or the bound runs out; the outcome as one string. */
async function uploadAndFollow(url: string, bytes: Buffer, name: string, deadline: number): Promise<string> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(bytes)]), name);
  const response = await fetch(`${url}/v1/images`, {
    method: 'POST',
    body: form,
    signal: AbortSignal.timeout(BOUND_MS),
  });
  const body = (await response.json()) as { id?: string; code?: string };
  if (response.status !== 202 || !body.id) return `${response.status} ${body.code ?? ''} at upload`;
  while (Date.now() < deadline) {
    const image = (await (await fetch(`${url}/v1/images/${body.id}?wait=5`)).json()) as {
      status: string;
      error?: { code: string };
    };
    if (image.status === 'done' || image.status === 'failed') {
      return `202, then ${image.status}${image.error ? ` ${image.error.code}` : ''}`;
    }
  }
  return `202, still unfinished after ${BOUND_MS / 1000} s`;
}

const BOMBS: Array<{ name: string; bytes: () => Promise<Buffer>; file: string }> = [
  {
    name: 'PNG zTXt metadata bomb (300 chunks x 20 MiB of text)',
    bytes: async () => ztxtBomb(await makePng({ width: 16, height: 16 })),
    file: 'bomb.png',
  },
  { name: 'progressive JPEG scan bomb (7000x7000, 2647 scans)', bytes: async () => jpegScanBomb(), file: 'scans.jpg' },
];

console.log(`checkout: ${ROOT}${args['budgets-only'] ? ' (budgets only)' : ''}`);
for (const bomb of BOMBS) {
  const bytes = await bomb.bytes();
  const service = await startBombService();
  const { child, url } = service;
  const watch = sampler(child.pid!);
  // Let the warm imaging children start before the baseline is taken.
  await new Promise((resolveWait) => setTimeout(resolveWait, 3000));
  const before = watch.baseline();
  const idle = watch.peak();
  watch.resetPeak();
  const timer = setInterval(watch.sample, 20);
  const started = Date.now();
  const outcome = await uploadAndFollow(url, bytes, bomb.file, started + BOUND_MS);
  const seconds = (Date.now() - started) / 1000;
  watch.sample();
  clearInterval(timer);
  let spent = 0;
  for (const [pid, used] of watch.cpu) spent += used - (before.get(pid) ?? 0);
  console.log(
    `${bomb.name}: ${(bytes.length / 1024).toFixed(0)} KiB; ${outcome} after ${seconds.toFixed(1)} s; ` +
      `peak RSS of all processes ${watch.peak().toFixed(0)} MiB (idle ${idle.toFixed(0)} MiB); ` +
      `CPU ${(spent / 1000).toFixed(1)} s`,
  );
  // Its imaging children exit with it (their IPC channel closes).
  await service.stop('SIGKILL');
  await removeDataDir(service.dataDir);
}
