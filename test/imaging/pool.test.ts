/**
 * The imaging pool with real child processes (forked from this test process): results equal the in-process ones,
 * and a child over its deadline or memory ceiling, or killed from outside, is gone and replaced while its request
 * fails with a stable code.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { DEFAULT_PRESET_VALUES, type Preset, withVersion } from '../../src/domain/preset.js';
import {
  DEFAULT_IMAGING_LIMITS,
  ImagingPool,
  type ImagingPoolOptions,
  inProcessImager,
} from '../../src/imaging/index.js';
import { jpegScanBomb, ztxtBomb } from '../support/bombs.js';
import { makeJpeg, makePng } from '../support/images.js';
import { isAlive } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

const PRESETS: Preset[] = [
  withVersion({ ...DEFAULT_PRESET_VALUES, name: 'small', width: 64, height: 64 }),
  withVersion({ ...DEFAULT_PRESET_VALUES, name: 'wide', width: 200, height: 100, fit: 'cover', format: 'webp' }),
];
/** The structural walk refuses the bombs before any decoder; these limits let them reach the pool's budgets. */
const UNSTRUCTURED_LIMITS = {
  ...DEFAULT_IMAGING_LIMITS,
  maxJpegScans: Number.MAX_SAFE_INTEGER,
  maxAncillaryChunks: Number.MAX_SAFE_INTEGER,
  maxMetadataBytes: Number.MAX_SAFE_INTEGER,
};
const silent = { info: () => {}, warn: () => {} };

let pools: ImagingPool[] = [];
function pool(options: Partial<ImagingPoolOptions> = {}): ImagingPool {
  const created = new ImagingPool({
    name: 'test',
    size: 1,
    memoryLimitMb: 1024,
    probeTimeoutMs: 30_000,
    renderTimeoutMs: 30_000,
    settings: { concurrency: 1, cacheMemoryMb: 0 },
    logger: silent,
    ...options,
  });
  pools.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});

/** The pids of a pool once it has `count` ready children (bounded wait). */
async function childPids(imaging: ImagingPool, count: number): Promise<number[]> {
  const { pids } = await waitFor(
    `${count} ready children`,
    () => {
      const health = imaging.health();
      return health.pids.length >= count && health.busy === 0 && health;
    },
    { timeoutMs: 20_000 },
  );
  return pids;
}

/** Waits until the pool is working on a request and returns that child's pid. */
async function busyPid(imaging: ImagingPool): Promise<number> {
  await waitFor('the pool to start the request', () => imaging.health().busy > 0, {
    timeoutMs: 20_000,
    intervalMs: 10,
  });
  return imaging.health().pids[0]!;
}

async function expectGone(pid: number): Promise<void> {
  await waitFor(`child ${pid} to be gone`, () => !isAlive(pid), { timeoutMs: 10_000 });
}

let slowJpeg: Buffer;
let normalJpeg: Buffer;
beforeAll(async () => {
  // About 2-3 CPU-seconds to decode: far past the short deadlines below, and long enough to be killed mid-way.
  slowJpeg = jpegScanBomb(4000, 4000);
  normalJpeg = await makeJpeg({ width: 640, height: 480 });
});

describe('imaging pool', () => {
  it('probes and renders in a child exactly as in process, and reports every render step', async () => {
    const imaging = pool();
    const input = { buffer: normalJpeg };
    expect(await imaging.probe(input, DEFAULT_IMAGING_LIMITS)).toEqual(
      await inProcessImager.probe(input, DEFAULT_IMAGING_LIMITS),
    );
    const steps: string[] = [];
    const ended: string[] = [];
    const rendered = await imaging.render(input, PRESETS, DEFAULT_IMAGING_LIMITS, {
      observe: (event) => {
        const name = event.preset ? `${event.step}:${event.preset}` : event.step;
        steps.push(name);
        return () => ended.push(name);
      },
    });
    const expected = await inProcessImager.render(input, PRESETS, DEFAULT_IMAGING_LIMITS);
    expect(rendered.map((v) => [v.preset, v.width, v.height, v.format, v.contentType])).toEqual(
      expected.map((v) => [v.preset, v.width, v.height, v.format, v.contentType]),
    );
    // Same bytes, and the caller's own preset objects back.
    expect(rendered.map((v) => Buffer.compare(v.data, expected.find((e) => e.preset === v.preset)!.data))).toEqual([
      0, 0,
    ]);
    expect(rendered[0]!.preset).toBe(PRESETS[0]);
    expect(steps).toEqual(
      expect.arrayContaining(['inspect', 'plan', 'decode', 'encode', 'encode:small', 'encode:wide']),
    );
    expect(ended.sort()).toEqual([...steps].sort());
  });

  it('answers an image error from the child with its catalogue code, and the child stays', async () => {
    const imaging = pool();
    imaging.warm();
    const [pid] = await childPids(imaging, 1);
    await expect(imaging.probe({ buffer: Buffer.from('not an image') }, DEFAULT_IMAGING_LIMITS)).rejects.toMatchObject({
      code: 'TS_UNSUPPORTED_MEDIA',
    });
    expect(imaging.health().pids).toEqual([pid]);
  });

  it('kills a render at its deadline (TS_RENDER_TIMEOUT) and renders the next one on a fresh child', async () => {
    const imaging = pool();
    imaging.warm();
    const [pid] = await childPids(imaging, 1);
    await expect(
      imaging.render({ buffer: slowJpeg }, PRESETS, UNSTRUCTURED_LIMITS, { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'TS_RENDER_TIMEOUT' });
    await expectGone(pid!);
    const next = await imaging.render({ buffer: normalJpeg }, PRESETS, DEFAULT_IMAGING_LIMITS);
    expect(next).toHaveLength(2);
    expect(imaging.health().pids).not.toContain(pid);
  });

  it('kills the child of a running render whose caller aborts (the worker stopping), with the caller’s reason', async () => {
    const imaging = pool();
    const stopping = new AbortController();
    const rendering = imaging.render({ buffer: slowJpeg }, PRESETS, UNSTRUCTURED_LIMITS, {
      signal: stopping.signal,
    });
    const pid = await busyPid(imaging);
    stopping.abort(new ThumbsmithError('TS_SHUTTING_DOWN'));
    await expect(rendering).rejects.toMatchObject({ code: 'TS_SHUTTING_DOWN' });
    await expectGone(pid);
  });

  it('kills a probe past the memory ceiling (TS_RENDER_MEMORY) long before the bomb is spent', async () => {
    const imaging = pool({ memoryLimitMb: 300 });
    imaging.warm();
    const [pid] = await childPids(imaging, 1);
    // 60 × 20 MiB of text: over 4 GB resident in a decoder that inflates it all.
    const bomb = ztxtBomb(await makePng({ width: 16, height: 16 }), 60);
    await expect(imaging.probe({ buffer: bomb }, UNSTRUCTURED_LIMITS)).rejects.toMatchObject({
      code: 'TS_RENDER_MEMORY',
    });
    await expectGone(pid!);
    expect(await imaging.probe({ buffer: normalJpeg }, DEFAULT_IMAGING_LIMITS)).toMatchObject({ format: 'jpeg' });
  });

  it('fails a request whose child crashes with TS_RENDER_CRASHED, and one killed from outside with the retryable TS_RENDER_INTERRUPTED', async () => {
    const imaging = pool();
    for (const [signal, code, retryable] of [
      ['SIGSEGV', 'TS_RENDER_CRASHED', false],
      ['SIGKILL', 'TS_RENDER_INTERRUPTED', true],
    ] as const) {
      const rendering = imaging.render({ buffer: slowJpeg }, PRESETS, UNSTRUCTURED_LIMITS);
      const pid = await busyPid(imaging);
      process.kill(pid, signal);
      await expect(rendering).rejects.toMatchObject({ code, retryable });
      await expectGone(pid);
    }
    expect(await imaging.render({ buffer: normalJpeg }, PRESETS, DEFAULT_IMAGING_LIMITS)).toHaveLength(2);
  });

  it('leaves no child behind when the process holding the pool is SIGKILLed', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', 'test/support/pool-parent.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: parent.stdout! }), 'line')) as [string];
      const pids = JSON.parse(line) as number[];
      expect(pids).toHaveLength(2);
      expect(pids.every(isAlive)).toBe(true);
      parent.kill('SIGKILL');
      for (const pid of pids) await expectGone(pid);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('queues requests in order while its children are busy; cancelling or closing fails what still waits', async () => {
    const imaging = pool();
    const order: string[] = [];
    const first = imaging.probe({ buffer: normalJpeg }, DEFAULT_IMAGING_LIMITS).then(() => order.push('first'));
    const second = imaging.probe({ buffer: normalJpeg }, DEFAULT_IMAGING_LIMITS).then(() => order.push('second'));
    expect(imaging.health().waiting).toBe(2);
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);

    const cancel = new AbortController();
    const stopping = new AbortController();
    const slow = imaging.render({ buffer: slowJpeg }, PRESETS, UNSTRUCTURED_LIMITS);
    const cancelled = imaging.probe({ buffer: normalJpeg }, DEFAULT_IMAGING_LIMITS, { signal: cancel.signal });
    const stopped = imaging.probe({ buffer: normalJpeg }, DEFAULT_IMAGING_LIMITS, { signal: stopping.signal });
    const closed = imaging.probe({ buffer: normalJpeg }, DEFAULT_IMAGING_LIMITS);
    await busyPid(imaging);
    cancel.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'TS_RENDER_TIMEOUT' });
    // A catalogue error as the reason (the worker stopping) is what the request fails with.
    stopping.abort(new ThumbsmithError('TS_SHUTTING_DOWN', 'stopping'));
    await expect(stopped).rejects.toMatchObject({ code: 'TS_SHUTTING_DOWN', detail: 'stopping' });
    const pid = imaging.health().pids[0]!;
    const outcomes = Promise.allSettled([closed, slow]);
    await imaging.close(0);
    expect((await outcomes).map((outcome) => outcome.status === 'rejected' && outcome.reason.code)).toEqual([
      'TS_SHUTTING_DOWN',
      'TS_SHUTTING_DOWN',
    ]);
    expect(isAlive(pid)).toBe(false);
    await expect(imaging.probe({ buffer: normalJpeg }, DEFAULT_IMAGING_LIMITS)).rejects.toMatchObject({
      code: 'TS_SHUTTING_DOWN',
    });
  });
});
