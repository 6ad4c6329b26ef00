import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedRuntime,
  openEmbeddedRuntime,
  runRenderJob,
  submitBytes,
  workOffQueue,
} from '../support/embedded-runtime.js';
import { makeJpeg, makePng } from '../support/images.js';

describe('ImageLifecycle on the embedded adapters: list, delete, retry', () => {
  let embedded: EmbeddedRuntime;
  const upload = async (tenant: string, seed: number) =>
    submitBytes(embedded.runtime, await makeJpeg({ width: 48, height: 48, colour: [seed, 200, 100] }), { tenant });

  beforeAll(async () => {
    embedded = await openEmbeddedRuntime({ PRESETS: 'small:24' });
  });
  afterAll(() => embedded?.close());

  it("lists a tenant's images newest first, a page at a time, filtered by status", async () => {
    const { lifecycle } = embedded.runtime;
    const ids: string[] = [];
    for (let seed = 0; seed < 3; seed += 1) ids.push((await upload('listing', seed)).id);
    await upload('elsewhere', 9);
    await runRenderJob(embedded.runtime, ids[0] ?? '');

    const first = await lifecycle.list('listing', { limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).not.toBeNull();
    const second = await lifecycle.list('listing', { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    const done = await lifecycle.list('listing', { limit: 10, status: 'done' });
    expect(done.items.map((i) => i.id)).toEqual([ids[0]]);
  });

  it('deletes the row and, with its last reference, its blobs; a second delete is TS_NOT_FOUND', async () => {
    const { lifecycle, blobs } = embedded.runtime;
    const image = await upload('deleting', 1);
    await runRenderJob(embedded.runtime, image.id);
    const done = await embedded.runtime.service.getImage(image.id);
    const keys = [done.original?.key ?? '', ...done.variants.map((v) => v.key)];
    await expect(lifecycle.delete('other-tenant', image.id)).rejects.toMatchObject({ code: 'TS_NOT_FOUND' });

    await lifecycle.delete('deleting', image.id);
    await expect(embedded.runtime.service.getImage(image.id)).rejects.toMatchObject({ code: 'TS_NOT_FOUND' });
    for (const key of keys) expect(await blobs.stat(key)).toBeUndefined();
    await expect(lifecycle.delete('deleting', image.id)).rejects.toMatchObject({ code: 'TS_NOT_FOUND' });
  });

  it('retries a failed image with a fresh budget and a new job; anything else is TS_NOT_RETRYABLE', async () => {
    const { lifecycle, queue, service } = embedded.runtime;
    const png = await makePng({ width: 300, height: 200 });
    const corrupt = await submitBytes(embedded.runtime, png.subarray(0, Math.floor(png.length * 0.6)), {
      tenant: 'retrying',
    });
    await workOffQueue(embedded.runtime);
    expect((await service.getImage(corrupt.id)).status).toBe('failed');

    const waitingBefore = (await queue.counts()).waiting;
    const requeued = await lifecycle.retry('retrying', corrupt.id);
    expect(requeued).toMatchObject({ status: 'queued', attempts: 0, error: null });
    expect((await queue.counts()).waiting).toBe(waitingBefore + 1);
    await expect(lifecycle.retry('retrying', corrupt.id)).rejects.toMatchObject({
      code: 'TS_NOT_RETRYABLE',
      extensions: { imageStatus: 'queued' },
    });
    await expect(lifecycle.retry('other-tenant', corrupt.id)).rejects.toMatchObject({ code: 'TS_NOT_FOUND' });
    await workOffQueue(embedded.runtime);
    expect(await service.getImage(corrupt.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });
});
