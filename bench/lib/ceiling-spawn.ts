import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_PRESETS } from '../../src/domain/preset.js';
import type { RunResult, RunSpec } from './ceiling-run.js';
import { type CorpusManifest, corpusKind } from './corpus-manifest.js';
import type { EncoderSettings, PresetBox, StrategyName } from './render-strategies.js';

/**
 * The service's encoder defaults (src/imaging/encoders.ts): mozjpeg (trellis quantisation, overshoot deringing,
 * optimised progressive scans) at q80 with 4:2:0 chroma, and WebP q80 effort 4. The same for every strategy.
 */
export const SERVICE_ENCODER: EncoderSettings = {
  jpeg: { quality: 80, mozjpeg: true, chromaSubsampling: '4:2:0' },
  webp: { quality: 80, effort: 4 },
};

export const PRESETS: PresetBox[] = DEFAULT_PRESETS.map(({ name, width, height }) => ({ name, width, height }));

/** Upper bound of one ceiling run (a child process), warm-up included. */
export const RUN_TIMEOUT_MS = 5 * 60_000;

export interface CeilingRun {
  strategy: StrategyName;
  /** libvips threads per pipeline (`sharp.concurrency`). */
  sharpConcurrency: number;
  jobs: number;
  encoder: EncoderSettings;
  passes: number;
  /** The child's allocator settings (`LD_PRELOAD`, `MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`); nothing else of the parent's reaches them. */
  allocatorEnv: Readonly<Record<string, string>>;
}

/**
 * Runs one measured configuration of the ceiling in its own process (bench/lib/ceiling-run.ts), so that peak RSS, the
 * allocator and libvips' thread pool belong to that configuration alone, and returns what it measured.
 */
export function runCeiling(corpusDir: string, corpus: CorpusManifest, run: CeilingRun): RunResult {
  const spec: RunSpec = {
    corpusDir,
    images: corpus.images.map((image) => ({
      file: image.file,
      transparent: image.transparent,
      kind: corpusKind(image),
    })),
    strategy: run.strategy,
    sharpConcurrency: run.sharpConcurrency,
    jobs: run.jobs,
    passes: run.passes,
    warmup: Math.min(4, corpus.images.length),
    presets: PRESETS,
    encoder: run.encoder,
    deadlineMs: RUN_TIMEOUT_MS - 10_000,
  };
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.LD_PRELOAD;
  delete env.MALLOC_ARENA_MAX;
  delete env.MALLOC_MMAP_THRESHOLD_;
  Object.assign(env, run.allocatorEnv);
  // tsx's loader flags travel in execArgv, so the child runs the .ts file the same way this process does.
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, '--expose-gc', join(import.meta.dirname, 'ceiling-run.ts')],
    {
      input: JSON.stringify(spec),
      env,
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
      maxBuffer: 16 << 20,
    },
  );
  const line = child.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) {
    throw new Error(`ceiling run failed (${child.status ?? child.signal}): ${child.stderr?.slice(-2000)}`);
  }
  return JSON.parse(line.slice('RESULT '.length)) as RunResult;
}
