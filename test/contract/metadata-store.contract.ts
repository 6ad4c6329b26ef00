import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { newImageId } from '../../src/domain/ids.js';
import type { ImageError, ImageRecord, NewImage, Variant } from '../../src/domain/image.js';
import type { MetadataStore, WorkerHeartbeat } from '../../src/ports/metadata-store.js';
import { describeMetadataStoreLifecycleContract } from './metadata-store-lifecycle.contract.js';

export interface MetadataStoreUnderTest {
  store: MetadataStore;
  cleanup(): Promise<void>;
}

// Fixed instants with a millisecond part, so a store that truncates to seconds fails.
const T0 = new Date('2026-03-04T05:06:07.891Z');
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

function newImage(overrides: Partial<NewImage> = {}): NewImage {
  return {
    id: newImageId(T0.getTime()),
    tenant: 'tenant-a',
    createdAt: T0,
    original: {
      key: 'originals/ab/cd/original',
      format: 'jpeg',
      width: 4032,
      height: 3024,
      // Larger than 2^32: a 32-bit column or an int8-as-string leak shows up here.
      bytes: 5_000_000_123,
      sha256: 'a'.repeat(64),
      frames: 1,
      filename: 'Été à Zürich 📷.jpg',
    },
    ...overrides,
  };
}

function variantSet(tag: string): Variant[] {
  return [
    {
      preset: 'small',
      presetVersion: `v-small-${tag}`,
      key: `thumbs/${tag}/small.jpg`,
      width: 150,
      height: 113,
      format: 'jpeg',
      contentType: 'image/jpeg',
      bytes: 4_321,
      sha256: '1'.repeat(64),
    },
    {
      preset: 'large',
      presetVersion: `v-large-${tag}`,
      key: `thumbs/${tag}/large.webp`,
      width: 800,
      height: 600,
      format: 'webp',
      contentType: 'image/webp',
      bytes: 98_765,
      sha256: '2'.repeat(64),
    },
  ];
}

const TRANSIENT: ImageError = { code: 'TS_STORAGE_UNAVAILABLE', message: 'blob store timed out' };
const PERMANENT: ImageError = { code: 'TS_IMAGE_CORRUPT', message: 'premature end of JPEG' };

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ThumbsmithError);
  expect((error as ThumbsmithError).code).toBe(code);
}

/**
 * The behaviour every MetadataStore adapter must show. `makeStore` gives a store over an empty, migrated database;
 * `cleanup` closes and removes it.
 */
export function describeMetadataStoreContract(name: string, makeStore: () => Promise<MetadataStoreUnderTest>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let subject: MetadataStoreUnderTest;
    let store: MetadataStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    async function processing(image: NewImage = newImage()): Promise<ImageRecord> {
      await store.createImage(image);
      const record = await store.markProcessing(image.id, 1, at(1_000));
      expect(record?.status).toBe('processing');
      return record!;
    }

    describe('createImage / getImage', () => {
      it('creates a queued record and reads back every field, dates to the millisecond', async () => {
        const image = newImage();
        const expected: ImageRecord = {
          id: image.id,
          tenant: 'tenant-a',
          status: 'queued',
          original: image.original,
          variants: [],
          error: null,
          attempts: 0,
          createdAt: T0,
          updatedAt: T0,
          completedAt: null,
        };
        const created = await store.createImage(image);
        expect(created).toStrictEqual(expected);
        const read = await store.getImage(image.id);
        expect(read).toStrictEqual(expected);
        expect(read?.createdAt.getTime()).toBe(T0.getTime());
        expect(typeof read?.original?.bytes).toBe('number');
      });

      it('keeps a null filename and other formats', async () => {
        const image = newImage({
          tenant: 'tenant-b',
          original: {
            key: 'k',
            format: 'gif',
            width: 1,
            height: 2,
            bytes: 3,
            sha256: 'f'.repeat(64),
            frames: 12,
            filename: null,
          },
        });
        await store.createImage(image);
        const read = await store.getImage(image.id);
        expect(read?.tenant).toBe('tenant-b');
        expect(read?.original).toStrictEqual(image.original);
      });

      it('rejects a duplicate id and leaves the first row alone', async () => {
        const image = newImage();
        await store.createImage(image);
        await expectCode(store.createImage({ ...image, tenant: 'intruder' }), 'TS_INTERNAL');
        const read = await store.getImage(image.id);
        expect(read?.tenant).toBe('tenant-a');
      });

      it('answers undefined for an unknown id, also from every transition', async () => {
        const id = newImageId();
        expect(await store.getImage(id)).toBeUndefined();
        expect(await store.markProcessing(id, 1, at(1))).toBeUndefined();
        expect(await store.markRetrying(id, TRANSIENT, at(1))).toBeUndefined();
        expect(await store.markDone(id, variantSet('x'), at(1))).toBeUndefined();
        expect(await store.markFailed(id, PERMANENT, at(1))).toBeUndefined();
        expect(await store.getImage(id)).toBeUndefined();
      });
    });

    describe('upload by URL: attachOriginal', () => {
      const SOURCE = 'https://images.example/photos/Été.jpg?sig=abc';
      const byUrl = (): NewImage => newImage({ original: null, sourceUrl: SOURCE });

      it('creates a row without an original that remembers its URL', async () => {
        const image = byUrl();
        const created = await store.createImage(image);
        expect(created).toMatchObject({ status: 'queued', original: null, sourceUrl: SOURCE, variants: [] });
        expect(await store.getImage(image.id)).toStrictEqual(created);
      });

      it('refuses a row with neither an original nor a URL', async () => {
        await expect(store.createImage(newImage({ original: null }))).rejects.toThrow();
      });

      it('attaches the fetched original once; a second attach changes nothing and says so', async () => {
        const image = byUrl();
        await store.createImage(image);
        await store.markProcessing(image.id, 1, at(1_000));
        const fetched = newImage().original!;
        const first = await store.attachOriginal(image.id, fetched, at(2_000));
        expect(first?.attached).toBe(true);
        expect(first?.image).toMatchObject({ status: 'processing', original: fetched, sourceUrl: SOURCE });
        expect(first?.image.updatedAt).toStrictEqual(at(2_000));
        const other = { ...fetched, key: 'content/other', sha256: 'b'.repeat(64) };
        const second = await store.attachOriginal(image.id, other, at(3_000));
        expect(second?.attached).toBe(false);
        expect(second?.image.original).toStrictEqual(fetched);
        expect(await store.getImage(image.id)).toStrictEqual(first?.image);
      });

      it('does not attach to a finished row, nor to a file upload, and answers undefined for an unknown id', async () => {
        const image = byUrl();
        await store.createImage(image);
        await store.markFailed(image.id, PERMANENT, at(1_000));
        const fetched = newImage().original!;
        const failed = await store.attachOriginal(image.id, fetched, at(2_000));
        expect(failed).toMatchObject({ attached: false, image: { status: 'failed', original: null } });
        const upload = newImage();
        await store.createImage(upload);
        const kept = await store.attachOriginal(upload.id, { ...fetched, key: 'other' }, at(2_000));
        expect(kept).toMatchObject({ attached: false, image: { original: upload.original } });
        expect(await store.attachOriginal(newImageId(), fetched, at(2_000))).toBeUndefined();
      });
    });

    describe('status machine', () => {
      it('queued -> processing counts the attempt and moves updatedAt', async () => {
        const image = newImage();
        await store.createImage(image);
        const record = await store.markProcessing(image.id, 1, at(1_000));
        expect(record).toMatchObject({ status: 'processing', attempts: 1, error: null, completedAt: null });
        expect(record?.updatedAt).toStrictEqual(at(1_000));
        expect(record?.createdAt).toStrictEqual(T0);
        expect(await store.getImage(image.id)).toStrictEqual(record);
      });

      it('processing -> processing again (redelivery) takes the higher attempt, never a lower one', async () => {
        const { id } = await processing();
        expect((await store.markProcessing(id, 2, at(2_000)))?.attempts).toBe(2);
        const late = await store.markProcessing(id, 1, at(3_000));
        expect(late?.status).toBe('processing');
        expect(late?.attempts).toBe(2);
        expect((await store.markProcessing(id, 3, at(4_000)))?.attempts).toBe(3);
        expect((await store.getImage(id))?.attempts).toBe(3);
      });

      it('processing -> queued by markRetrying keeps the error; the next claim keeps it until done', async () => {
        const { id } = await processing();
        const retrying = await store.markRetrying(id, TRANSIENT, at(2_000));
        expect(retrying).toMatchObject({ status: 'queued', attempts: 1, error: TRANSIENT, completedAt: null });
        expect(retrying?.updatedAt).toStrictEqual(at(2_000));
        const again = await store.markProcessing(id, 2, at(3_000));
        expect(again).toMatchObject({ status: 'processing', attempts: 2, error: TRANSIENT });
        const done = await store.markDone(id, variantSet('a'), at(4_000));
        expect(done).toMatchObject({ status: 'done', attempts: 2, error: null });
      });

      it('processing -> done stores exactly the variants given, in order, and completedAt', async () => {
        const { id } = await processing();
        const variants = variantSet('a');
        const done = await store.markDone(id, variants, at(5_000));
        expect(done).toMatchObject({ status: 'done', attempts: 1, error: null });
        expect(done?.variants).toStrictEqual(variants);
        expect(done?.updatedAt).toStrictEqual(at(5_000));
        expect(done?.completedAt).toStrictEqual(at(5_000));
        expect(await store.getImage(id)).toStrictEqual(done);
      });

      it('stores only Variant fields, whatever else the objects carry', async () => {
        const { id } = await processing();
        const [small] = variantSet('a');
        const done = await store.markDone(id, [{ ...small!, buffer: 'not a column' } as Variant], at(5_000));
        expect(done?.variants).toStrictEqual([small]);
      });

      it('queued -> done is allowed (a redelivered job whose row went back to queued)', async () => {
        const image = newImage();
        await store.createImage(image);
        const done = await store.markDone(image.id, variantSet('q'), at(1_000));
        expect(done).toMatchObject({ status: 'done', attempts: 0 });
        expect(done?.variants).toStrictEqual(variantSet('q'));
      });

      it('done with no variants is a valid result', async () => {
        const { id } = await processing();
        const done = await store.markDone(id, [], at(2_000));
        expect(done).toMatchObject({ status: 'done', variants: [] });
      });

      it('markDone is idempotent: a second call keeps the first result', async () => {
        const { id } = await processing();
        const first = await store.markDone(id, variantSet('first'), at(5_000));
        const second = await store.markDone(id, variantSet('second'), at(9_000));
        expect(second).toStrictEqual(first);
        expect(await store.getImage(id)).toStrictEqual(first);
      });

      it('done stays done after markProcessing, markRetrying and markFailed', async () => {
        const { id } = await processing();
        const done = await store.markDone(id, variantSet('a'), at(5_000));
        expect(await store.markProcessing(id, 2, at(6_000))).toStrictEqual(done);
        expect(await store.markRetrying(id, TRANSIENT, at(7_000))).toStrictEqual(done);
        expect(await store.markFailed(id, PERMANENT, at(8_000))).toStrictEqual(done);
        expect(await store.getImage(id)).toStrictEqual(done);
      });

      it('processing -> failed records the error and completedAt', async () => {
        const { id } = await processing();
        const failed = await store.markFailed(id, PERMANENT, at(5_000));
        expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: PERMANENT, variants: [] });
        expect(failed?.updatedAt).toStrictEqual(at(5_000));
        expect(failed?.completedAt).toStrictEqual(at(5_000));
        expect(await store.getImage(id)).toStrictEqual(failed);
      });

      it('queued -> failed is allowed (e.g. a permanent error found before a claim)', async () => {
        const image = newImage();
        await store.createImage(image);
        const failed = await store.markFailed(image.id, PERMANENT, at(1_000));
        expect(failed).toMatchObject({ status: 'failed', attempts: 0, error: PERMANENT });
      });

      it('failed stays failed (until an explicit re-queue): every transition returns it unchanged', async () => {
        const { id } = await processing();
        const failed = await store.markFailed(id, PERMANENT, at(5_000));
        expect(await store.markProcessing(id, 2, at(6_000))).toStrictEqual(failed);
        expect(await store.markRetrying(id, TRANSIENT, at(7_000))).toStrictEqual(failed);
        expect(await store.markDone(id, variantSet('late'), at(8_000))).toStrictEqual(failed);
        expect(
          await store.markFailed(id, { code: 'TS_ATTEMPTS_EXHAUSTED', message: 'other' }, at(9_000)),
        ).toStrictEqual(failed);
        expect(await store.getImage(id)).toStrictEqual(failed);
      });

      it('10 concurrent markDone calls leave exactly one variant set, and all return it', async () => {
        const { id } = await processing();
        const sets = Array.from({ length: 10 }, (_, i) => variantSet(`worker-${i}`));
        const results = await Promise.all(sets.map((set, i) => store.markDone(id, set, at(10_000 + i))));
        const final = await store.getImage(id);
        expect(final?.status).toBe('done');
        const winners = sets.filter((set) => JSON.stringify(set) === JSON.stringify(final?.variants));
        expect(winners).toHaveLength(1);
        for (const result of results) expect(result).toStrictEqual(final);
      });

      it('concurrent markDone and markFailed: one wins, every call returns the winner', async () => {
        const { id } = await processing();
        const calls = Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? store.markDone(id, variantSet(`w${i}`), at(10_000 + i))
            : store.markFailed(id, PERMANENT, at(10_000 + i)),
        );
        const results = await Promise.all(calls);
        const final = await store.getImage(id);
        expect(['done', 'failed']).toContain(final?.status);
        if (final?.status === 'failed') expect(final.variants).toStrictEqual([]);
        for (const result of results) expect(result).toStrictEqual(final);
      });
    });

    describe('listStaleQueued', () => {
      it('lists queued ids older than the cutoff, oldest first, up to the limit', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i * 1_000) });
          await store.createImage(image);
          ids.push(image.id);
        }
        // Created out of order in time: insertion order must not decide the listing.
        const early = newImage({ id: newImageId(T0.getTime() - 1), createdAt: at(-500) });
        await store.createImage(early);

        expect(await store.listStaleQueued(at(10_000), 100)).toStrictEqual([early.id, ...ids]);
        expect(await store.listStaleQueued(at(10_000), 2)).toStrictEqual([early.id, ids[0]]);
        // The cutoff is strict: updatedAt == before is not stale.
        expect(await store.listStaleQueued(at(2_000), 100)).toStrictEqual([early.id, ids[0], ids[1]]);
        expect(await store.listStaleQueued(at(-500), 100)).toStrictEqual([]);
        expect(await store.listStaleQueued(at(10_000), 0)).toStrictEqual([]);
      });

      it('skips processing, done and failed rows; markRetrying puts a row back with a new updatedAt', async () => {
        const rows: string[] = [];
        for (let i = 0; i < 4; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i) });
          await store.createImage(image);
          rows.push(image.id);
        }
        const [a, b, c, d] = rows as [string, string, string, string];
        await store.markProcessing(a, 1, at(100));
        await store.markProcessing(b, 1, at(100));
        await store.markDone(b, variantSet('b'), at(200));
        await store.markFailed(c, PERMANENT, at(200));
        expect(await store.listStaleQueued(at(60_000), 10)).toStrictEqual([d]);

        await store.markRetrying(a, TRANSIENT, at(30_000));
        expect(await store.listStaleQueued(at(30_000), 10)).toStrictEqual([d]);
        expect(await store.listStaleQueued(at(30_001), 10)).toStrictEqual([d, a]);
      });
    });

    describe('listStaleProcessing', () => {
      it('lists processing ids claimed before the cutoff, oldest claim first, up to the limit', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i) });
          await store.createImage(image);
          ids.push(image.id);
        }
        const [a, b, c, d] = ids as [string, string, string, string];
        // Claimed out of id order: the claim time decides the order.
        await store.markProcessing(c, 1, at(1_000));
        await store.markProcessing(a, 1, at(2_000));
        await store.markProcessing(b, 1, at(3_000));

        expect(await store.listStaleProcessing(at(60_000), 10)).toStrictEqual([c, a, b]);
        expect(await store.listStaleProcessing(at(60_000), 2)).toStrictEqual([c, a]);
        // Strict cutoff, like listStaleQueued.
        expect(await store.listStaleProcessing(at(2_000), 10)).toStrictEqual([c]);
        expect(await store.listStaleProcessing(at(60_000), 0)).toStrictEqual([]);
        // `d` is queued: not listed here, and the processing rows are not listed as queued.
        expect(await store.listStaleQueued(at(60_000), 10)).toStrictEqual([d]);
      });

      it('skips rows that finished or went back to queued; a redelivery moves the claim time', async () => {
        const rows: string[] = [];
        for (let i = 0; i < 4; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i) });
          await store.createImage(image);
          await store.markProcessing(image.id, 1, at(100));
          rows.push(image.id);
        }
        const [a, b, c, d] = rows as [string, string, string, string];
        await store.markDone(a, variantSet('a'), at(200));
        await store.markFailed(b, PERMANENT, at(200));
        await store.markRetrying(c, TRANSIENT, at(200));
        expect(await store.listStaleProcessing(at(60_000), 10)).toStrictEqual([d]);

        await store.markProcessing(d, 2, at(30_000));
        expect(await store.listStaleProcessing(at(30_000), 10)).toStrictEqual([]);
        expect(await store.listStaleProcessing(at(30_001), 10)).toStrictEqual([d]);
      });
    });

    describe('worker heartbeats', () => {
      const beat = (workerId: string, lastSeenOffsetMs: number, active = 0): WorkerHeartbeat => ({
        workerId,
        hostname: 'host-a',
        pid: 4242,
        startedAt: T0,
        lastSeenAt: at(lastSeenOffsetMs),
        active,
        concurrency: 4,
      });

      it('records, updates and lists heartbeats seen since a time, by worker id, with millisecond precision', async () => {
        expect(await store.listHeartbeats(at(-1))).toStrictEqual([]);
        await store.recordHeartbeat(beat('w-b', 1_000));
        await store.recordHeartbeat(beat('w-a', 2_000, 1));
        await store.recordHeartbeat(beat('w-a', 5_000, 3));
        expect(await store.listHeartbeats(at(0))).toStrictEqual([beat('w-a', 5_000, 3), beat('w-b', 1_000)]);
        expect(await store.listHeartbeats(at(1_001))).toStrictEqual([beat('w-a', 5_000, 3)]);
        expect(await store.listHeartbeats(at(5_000))).toStrictEqual([beat('w-a', 5_000, 3)]);
        expect(await store.listHeartbeats(at(5_001))).toStrictEqual([]);
      });

      it('never moves a heartbeat backwards (a late write of an older beat)', async () => {
        await store.recordHeartbeat(beat('w-a', 5_000, 2));
        await store.recordHeartbeat(beat('w-a', 4_000, 1));
        const [listed] = await store.listHeartbeats(at(0));
        expect(listed?.lastSeenAt).toStrictEqual(at(5_000));
      });

      it('removes a stopped worker (idempotently) and prunes workers not seen for a day', async () => {
        await store.recordHeartbeat(beat('w-old', 0));
        await store.recordHeartbeat(beat('w-a', 1_000));
        await store.removeHeartbeat('w-a');
        await store.removeHeartbeat('w-a');
        expect((await store.listHeartbeats(at(-1))).map((b) => b.workerId)).toStrictEqual(['w-old']);
        await store.recordHeartbeat(beat('w-new', 24 * 60 * 60 * 1000 + 1));
        expect((await store.listHeartbeats(at(-1))).map((b) => b.workerId)).toStrictEqual(['w-new']);
      });
    });

    describe('ping / close', () => {
      it('ping resolves while open', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('after close, calls fail with TS_DATABASE_UNAVAILABLE and close is idempotent', async () => {
        await store.close();
        await expectCode(store.ping(), 'TS_DATABASE_UNAVAILABLE');
        await expectCode(store.getImage(newImageId()), 'TS_DATABASE_UNAVAILABLE');
        await expect(store.close()).resolves.toBeUndefined();
      });
    });
  });

  // Issue 8: listing, deletion, retry, variant swaps and reference-counted contents.
  describeMetadataStoreLifecycleContract(name, makeStore);
}
