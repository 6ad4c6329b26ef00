/**
 * Render isolation (issue 13) through a real `thumbsmith start` process: a memory bomb at upload, a CPU bomb and a
 * memory-hungry legit image in the job, and a child killed from outside. Each costs one imaging child process, which
 * is killed and replaced; the image fails with a stable code and without retries that repeat the damage; the service
 * process itself stays small and up, and the next normal image renders.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegScanBomb, ztxtBomb } from '../support/bombs.js';
import { getImage, type ImageJson, upload, uploadOk, waitForFinal } from '../support/http.js';
import { makeJpeg, makePng } from '../support/images.js';
import { isAlive, removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { cpuTicks, expectProblem, healthStatus, storedState, variantFiles } from './service-probes.js';

const MEMORY_LIMIT_MB = 250;
const JOB_TIMEOUT_MS = 3_000;
/** Polling gives up this long after a job's time limit: a job still running then is a hang. */
const POLL_MS = JOB_TIMEOUT_MS + 30_000;

let service: ServiceProcess;

beforeAll(async () => {
  service = await startService({
    env: {
      RENDER_MEMORY_LIMIT_MB: String(MEMORY_LIMIT_MB),
      JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS),
      // The memory bomb must meet the memory ceiling, not the probe's deadline.
      PROBE_TIMEOUT_MS: '120000',
      WORKER_CONCURRENCY: '2',
      JOB_MAX_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '100',
      JOB_BACKOFF_MAX_MS: '200',
      // Structural header limits (another part of issue 13) out of the way: the budgets alone must hold.
      MAX_JPEG_SCANS: '1000000',
      MAX_PNG_CHUNKS: '10000000',
      MAX_METADATA_BYTES: String(Number.MAX_SAFE_INTEGER),
    },
  });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  if (service) await removeDataDir(service.dataDir);
});

/** Pids the service's imaging pool has logged, by event. */
function childPids(message: string, pool?: string): number[] {
  return service.logs
    .filter((line) => line.msg === message && (pool === undefined || line.pool === pool))
    .map((line) => Number(line.pid));
}

/** Polls `check` until it answers (the pool's children take a while to start, die and be replaced). */
function until<T>(what: string, check: () => T | undefined | false): Promise<Exclude<T, undefined | false>> {
  return waitFor(what, check, { timeoutMs: 20_000 });
}

/** The pool's kill of the child that worked on an over-budget request with this code (the last such log line). */
async function killedChild(pool: string, code: string): Promise<number> {
  return until(`a ${pool} child killed with ${code}`, () =>
    service.logs
      .filter((line) => line.msg === 'imaging child killed: over budget' && line.pool === pool && line.code === code)
      .map((line) => Number(line.pid))
      .at(-1),
  );
}

/** Peak resident memory of the service process itself (VmHWM). */
function servicePeakRssMb(): number {
  const status = readFileSync(`/proc/${service.child.pid}/status`, 'latin1');
  return Number(/^VmHWM:\s+(\d+)\s+kB$/m.exec(status)![1]) / 1024;
}

async function expectNormalImageRenders(): Promise<void> {
  const normal = await uploadOk(service.url, await makeJpeg({ width: 320, height: 240 }), 'normal.jpg');
  const final = await waitForFinal(service.url, normal.id, POLL_MS);
  expect(final.status, JSON.stringify(final.error)).toBe('done');
  expect(await healthStatus(service.url)).toBe(200);
}

async function expectFailedOnce(image: ImageJson, code: string): Promise<ImageJson> {
  const final = await waitForFinal(service.url, image.id, POLL_MS);
  expect({ status: final.status, code: final.error?.code, attempts: final.attempts }).toEqual({
    status: 'failed',
    code,
    attempts: 1,
  });
  expect(await variantFiles(service.dataDir, final)).toEqual([]);
  return final;
}

describe('render isolation', () => {
  it('a zTXt memory bomb at upload is 422 TS_RENDER_MEMORY: nothing stored, the service stays small and up', async () => {
    const before = await storedState(service.dataDir);
    // 300 chunks × 20 MiB of text in a 6 MB file: gigabytes in a probe that inflates them all.
    const bomb = ztxtBomb(await makePng({ width: 16, height: 16 }), 300);
    await expectProblem(await upload(service.url, bomb, { filename: 'bomb.png' }), 422, 'TS_RENDER_MEMORY');
    expect(await storedState(service.dataDir)).toEqual(before);
    const pid = await killedChild('probe', 'TS_RENDER_MEMORY');
    await until(`probe child ${pid} gone`, () => !isAlive(pid));
    // The decoder's gigabytes were the child's: the service process never came near them.
    expect(servicePeakRssMb()).toBeLessThan(MEMORY_LIMIT_MB);
    await expectNormalImageRenders();
  }, 120_000);

  it('a CPU bomb fails TS_RENDER_TIMEOUT at once (no retry), its child is killed, other images render', async () => {
    // The bomb at 4000×4000 (its coefficients fit under the test's memory ceiling): 2647 scans, ~9 CPU-s: well over JOB_TIMEOUT_MS of CPU to decode.
    const bomb = await uploadOk(service.url, jpegScanBomb(4000, 4000), 'scans.jpg');
    const normal = await uploadOk(service.url, await makeJpeg({ width: 320, height: 240 }), 'normal.jpg');
    expect((await waitForFinal(service.url, normal.id, POLL_MS)).status).toBe('done');
    await expectFailedOnce(bomb, 'TS_RENDER_TIMEOUT');
    const pid = await killedChild('render', 'TS_RENDER_TIMEOUT');
    await until(`render child ${pid} gone`, () => !isAlive(pid));
    await expectNormalImageRenders();
  }, 120_000);

  it('a legit image needing more than RENDER_MEMORY_LIMIT_MB to decode fails TS_RENDER_MEMORY at once', async () => {
    // 49 MP progressive 4:4:4: libjpeg keeps every coefficient of the image, about 300 MB, before any pixel.
    const large = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#a0522d' } })
      .jpeg({ progressive: true, chromaSubsampling: '4:4:4', quality: 95 })
      .toBuffer();
    const image = await uploadOk(service.url, large, 'large.jpg');
    await expectFailedOnce(image, 'TS_RENDER_MEMORY');
    const pid = await killedChild('render', 'TS_RENDER_MEMORY');
    await until(`render child ${pid} gone`, () => !isAlive(pid));
    await expectNormalImageRenders();
  }, 120_000);

  it('a render child killed from outside mid-job is replaced; the job is retried (not the image’s fault)', async () => {
    const renderChildren = () => {
      const gone = new Set([
        ...childPids('imaging child killed: over budget'),
        ...childPids('imaging child died during a request'),
      ]);
      return childPids('imaging child started', 'render').filter((pid) => !gone.has(pid) && isAlive(pid));
    };
    const started = await until('two render children', () => renderChildren().length >= 2 && renderChildren());
    const ticks = new Map(started.map((pid) => [pid, cpuTicks(pid)]));
    const bomb = await uploadOk(service.url, jpegScanBomb(4000, 4000), 'scans.jpg');
    // The child decoding the bomb is the one burning CPU.
    const busy = await until('the child rendering the bomb', () =>
      started.find((pid) => isAlive(pid) && cpuTicks(pid) - ticks.get(pid)! > 30),
    );
    process.kill(busy, 'SIGKILL');
    await until('the killed child noticed', () =>
      service.logs.find((line) => line.msg === 'imaging child died during a request' && Number(line.pid) === busy),
    );
    expect(
      service.logs.find((line) => line.msg === 'imaging child died during a request' && Number(line.pid) === busy),
    ).toMatchObject({ code: 'TS_RENDER_INTERRUPTED', signal: 'SIGKILL' });
    // Attempt 1 was interrupted and retried; attempt 2 meets the time limit like any delivery of this bomb.
    const final = await waitForFinal(service.url, bomb.id, POLL_MS * 2);
    expect({ status: final.status, code: final.error?.code, attempts: final.attempts }).toEqual({
      status: 'failed',
      code: 'TS_RENDER_TIMEOUT',
      attempts: 2,
    });
    expect((await getImage(service.url, bomb.id)).status).toBe('failed');
    await until('a replacement render child', () => renderChildren().length >= 2);
    await expectNormalImageRenders();
  }, 180_000);
});
