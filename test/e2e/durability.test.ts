import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { download, getImage, uploadOk, waitForFinal } from '../support/http.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { quietPeriod, waitFor } from '../support/wait.js';

const running: ServiceProcess[] = [];
const dirs = new Set<string>();

async function start(options: Parameters<typeof startService>[0]) {
  const service = await startService(options);
  running.push(service);
  dirs.add(service.dataDir);
  return service;
}

afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
  for (const dir of dirs) await removeDataDir(dir);
  dirs.clear();
});

/** A large PNG: cheap to upload (one colour compresses well), slow to decode (no shrink-on-load for PNG). */
const slowPng = () =>
  sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#3366aa' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
const smallJpeg = (shade: number) =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: { r: shade, g: 100, b: 50 } } })
    .jpeg()
    .toBuffer();

function waitForStatus(url: string, id: string, status: string, timeoutMs: number): Promise<true> {
  return waitFor(`image ${id} to be ${status}`, async () => (await getImage(url, id)).status === status, {
    timeoutMs,
    intervalMs: 5,
  });
}

async function expectVariantsIntact(url: string, id: string) {
  const image = await getImage(url, id);
  expect(image.status).toBe('done');
  expect(image.variants.map((v) => v.preset).sort()).toEqual(['large', 'medium', 'small']);
  for (const variant of image.variants) {
    const response = await download(url, id, variant.preset);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('etag')).toBe(`"${createHash('sha256').update(bytes).digest('hex')}"`);
    expect(bytes.length).toBe(variant.bytes);
  }
  return image;
}

/** Variant files of the content with this SHA-256 (blobs/content/<sha256>/<generation>/, minus the original). */
async function variantFiles(dataDir: string, sha256: string) {
  const root = join(dataDir, 'blobs', 'content', sha256);
  const files: string[] = [];
  for (const generation of await readdir(root).catch(() => [] as string[])) {
    for (const name of await readdir(join(root, generation))) if (name !== 'original') files.push(name);
  }
  return files.sort();
}

describe('durable embedded queue (real processes)', () => {
  it('completes jobs queued while no worker ran, after a restart', async () => {
    const api = await start({ command: 'api' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await uploadOk(api.url, await smallJpeg(40 * i))).id);
    // An API process runs no worker: given time, nothing picks the jobs up.
    await quietPeriod(300);
    for (const id of ids) expect((await getImage(api.url, id)).status).toBe('queued');
    expect(await api.stop('SIGTERM')).toBe(0);

    const full = await start({ dataDir: api.dataDir });
    for (const id of ids) expect((await waitForFinal(full.url, id)).status).toBe('done');
    for (const id of ids) await expectVariantsIntact(full.url, id);
  });

  it('finishes the job of a worker killed mid-job (SIGKILL) once its lease expires, with one set of variants', async () => {
    const env = { JOB_LEASE_MS: '1500', WORKER_CONCURRENCY: '1' };
    const first = await start({ env });
    const { id } = await uploadOk(first.url, await slowPng(), 'slow.png');
    await waitForStatus(first.url, id, 'processing', 20_000);
    await first.stop('SIGKILL');

    const second = await start({ dataDir: first.dataDir, env });
    const image = await waitForFinal(second.url, id, 60_000);
    expect(image.status).toBe('done');
    expect(image.attempts).toBe(2);
    await expectVariantsIntact(second.url, id);
    expect(await variantFiles(second.dataDir, image.original!.sha256)).toHaveLength(3);
  });

  it('drains on SIGTERM: the running job finishes before the process exits', async () => {
    const service = await start({ env: { WORKER_CONCURRENCY: '1' } });
    const { id } = await uploadOk(service.url, await slowPng(), 'slow.png');
    await waitForStatus(service.url, id, 'processing', 20_000);
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.logs.some((l) => l.msg === 'image done' && l.imageId === id)).toBe(true);

    const again = await start({ dataDir: service.dataDir, command: 'api' });
    const image = await getImage(again.url, id);
    expect(image.status).toBe('done');
    expect(image.attempts).toBe(1);
  });
});
