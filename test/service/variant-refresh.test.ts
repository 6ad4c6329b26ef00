import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../src/domain/image.js';
import {
  deliveryOf,
  type EmbeddedRuntime,
  lifecyclePartsOf,
  makeDataDir,
  openEmbeddedRuntime,
  removeDataDir,
  runRenderJob,
  submitBytes,
} from '../support/embedded-runtime.js';
import { makeJpeg } from '../support/images.js';

/**
 * Presets changed between two runs on the same data (as a restart with a new PRESETS would): images rendered by
 * the first are `done` with a stale `small` variant in the second, which re-renders it on request or by reprocess.
 */
describe('VariantRefresher on the embedded adapters: stale variants re-rendered', () => {
  let dataDir: string;
  let embedded: EmbeddedRuntime;
  let before: ImageRecord[];

  beforeAll(async () => {
    dataDir = await makeDataDir();
    const first = await openEmbeddedRuntime({ DATA_DIR: dataDir, PRESETS: 'small:32,medium:64' });
    try {
      before = [];
      for (const seed of [1, 2]) {
        const { id } = await submitBytes(
          first.runtime,
          await makeJpeg({ width: 200, height: 100, colour: [seed, 0, 0] }),
        );
        await runRenderJob(first.runtime, id);
        before.push(await first.runtime.service.getImage(id));
      }
    } finally {
      await first.close();
    }
    embedded = await openEmbeddedRuntime({ DATA_DIR: dataDir, PRESETS: 'small:48,medium:64' });
  });
  afterAll(async () => {
    await embedded?.close();
    await removeDataDir(dataDir);
  });

  const variantOf = (image: ImageRecord, preset: string) => image.variants.find((v) => v.preset === preset);

  it('finds only the changed preset stale', () => {
    const { refresher } = lifecyclePartsOf(embedded.runtime);
    for (const image of before) expect(refresher.stalePresets(image).map((p) => p.name)).toEqual(['small']);
  });

  it('renders a stale variant on request, swaps it in and deletes the replaced blob', async () => {
    const [image] = before;
    if (!image) throw new Error('no image rendered');
    const old = variantOf(image, 'small');
    const { image: updated, variant } = await embedded.runtime.service.openThumbnail(image.id, 'small');
    expect(variant).toMatchObject({ preset: 'small', width: 48 });
    expect(variant.presetVersion).not.toBe(old?.presetVersion);
    expect(variantOf(updated, 'medium')).toEqual(variantOf(image, 'medium'));
    expect(await embedded.runtime.blobs.stat(variant.key)).toBeDefined();
    expect(await embedded.runtime.blobs.stat(old?.key ?? '')).toBeUndefined();
  });

  it('reprocess enqueues a rerender job for each stale image; the job re-renders it', async () => {
    const { runtime } = embedded;
    expect(await runtime.reprocess()).toEqual({ scanned: 2, enqueued: 1 });
    const stale = before[1];
    if (!stale) throw new Error('no image rendered');
    await runtime.handlers.rerender(deliveryOf('rerender', { imageId: stale.id }), new AbortController().signal);
    const updated = await runtime.service.getImage(stale.id);
    expect(updated.status).toBe('done');
    expect(variantOf(updated, 'small')).toMatchObject({ width: 48 });
    expect(await runtime.reprocess()).toEqual({ scanned: 2, enqueued: 0 });
  });
});
