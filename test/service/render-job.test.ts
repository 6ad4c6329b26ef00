import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRuntime, openEmbeddedRuntime, runRenderJob, submitBytes } from '../support/embedded-runtime.js';
import { makeJpeg, makePng } from '../support/images.js';

/**
 * The render job handler run directly, one delivery at a time, on the embedded adapters: the failure policy's
 * outcomes as rows in a real database, the transient fault a real SQLite trigger refusing `done` (as a constraint or
 * a broken disk would), never a mock.
 */
describe('the render job handler on the embedded adapters', () => {
  let embedded: EmbeddedRuntime;
  let seed = 0;
  const upload = async () =>
    submitBytes(embedded.runtime, await makeJpeg({ width: 160, height: 120, colour: [seed++, 90, 30] }));
  const rowOf = (id: string) => embedded.runtime.service.getImage(id);

  /** Runs `body` while the database refuses to mark any image `done`. */
  async function whileDoneIsRefused(body: () => Promise<void>): Promise<void> {
    const db = new Database(join(embedded.dataDir, 'thumbsmith.db'));
    try {
      db.exec(`create trigger refuse_done before update of status on images when new.status = 'done'
               begin select raise(abort, 'done refused by the test'); end`);
      await body();
    } finally {
      db.exec('drop trigger if exists refuse_done');
      db.close();
    }
  }

  beforeAll(async () => {
    embedded = await openEmbeddedRuntime({ PRESETS: 'small:32,medium:64:webp' });
  });
  afterAll(() => embedded?.close());

  it('renders a queued image: done, one variant per preset, each stored', async () => {
    const { id } = await upload();
    await runRenderJob(embedded.runtime, id);
    const done = await rowOf(id);
    expect(done).toMatchObject({ status: 'done', attempts: 1, error: null });
    expect(done.variants.map((v) => [v.preset, v.format, Math.max(v.width, v.height)])).toEqual([
      ['small', 'jpeg', 32],
      ['medium', 'webp', 64],
    ]);
    for (const variant of done.variants) {
      expect(await embedded.runtime.blobs.stat(variant.key)).toMatchObject({ bytes: variant.bytes });
    }
  });

  it('fails a corrupt image for good at the first attempt, without rethrowing', async () => {
    const png = await makePng({ width: 300, height: 200 });
    // The header is whole (the upload's probe passes); the pixel data is cut, which only decoding finds.
    const { id } = await submitBytes(embedded.runtime, png.subarray(0, Math.floor(png.length * 0.6)));
    await runRenderJob(embedded.runtime, id, { attempt: 1, maxAttempts: 3 });
    expect(await rowOf(id)).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'TS_IMAGE_CORRUPT' } });
  });

  it('records a transient failure, puts the image back to queued and rethrows; the next delivery finishes it', async () => {
    const { id } = await upload();
    await whileDoneIsRefused(async () => {
      await expect(runRenderJob(embedded.runtime, id, { attempt: 1, maxAttempts: 3 })).rejects.toMatchObject({
        code: 'TS_INTERNAL',
      });
    });
    const waiting = await rowOf(id);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1, error: { code: 'TS_INTERNAL' } });
    // The recorded detail names the operation, never the database's own message.
    expect(waiting.error?.message).not.toContain('done refused by the test');

    await runRenderJob(embedded.runtime, id, { attempt: 2, maxAttempts: 3 });
    expect(await rowOf(id)).toMatchObject({ status: 'done', attempts: 2, error: null });
  });

  it('fails the image with TS_ATTEMPTS_EXHAUSTED, naming the last error, when the last attempt fails too', async () => {
    const { id } = await upload();
    await whileDoneIsRefused(() => runRenderJob(embedded.runtime, id, { attempt: 3, maxAttempts: 3 }));
    const failed = await rowOf(id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'TS_ATTEMPTS_EXHAUSTED' } });
    expect(failed.error?.message).toContain('last: TS_INTERNAL');
  });

  it('fails a delivery past the last attempt (lost leases) without rendering', async () => {
    const { id } = await upload();
    await runRenderJob(embedded.runtime, id, { attempt: 4, maxAttempts: 3 });
    const failed = await rowOf(id);
    expect(failed).toMatchObject({ status: 'failed', variants: [], error: { code: 'TS_ATTEMPTS_EXHAUSTED' } });
    expect(failed.error?.message).toContain('the worker stopped before finishing');
  });

  it('drops the job of an image deleted or already finished, changing nothing', async () => {
    const { id, tenant } = await upload();
    await runRenderJob(embedded.runtime, id);
    const done = await rowOf(id);
    await runRenderJob(embedded.runtime, id, { attempt: 2 });
    expect(await rowOf(id)).toEqual(done);
    await embedded.runtime.lifecycle.delete(tenant, id);
    await expect(runRenderJob(embedded.runtime, id, { attempt: 3 })).resolves.toBeUndefined();
    await expect(rowOf(id)).rejects.toMatchObject({ code: 'TS_NOT_FOUND' });
  });
});
