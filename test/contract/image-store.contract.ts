// Over 400 lines on purpose: the whole ImageStore contract (every transition and its races, then listing, deletion,
// retry and the variant swap) in one place, so an adapter's author reads what the port promises from top to bottom.

import { describe, expect, it } from 'vitest';
import type { OpenMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import { newImageId } from '../../src/domain/ids.js';
import type { ImageRecord, NewImage, Variant } from '../../src/domain/image.js';
import type { ImageListQuery } from '../../src/ports/image-store.js';
import {
  at,
  contentRef,
  contentVariants,
  expectCode,
  imageSteps,
  type MakeMetadataStores,
  newImage,
  PERMANENT,
  SHA_A,
  T0,
  TRANSIENT,
  useFreshStores,
  variantSet,
} from './metadata-fixtures.js';

/**
 * The behaviour every ImageStore adapter must show, on a fresh, migrated database per test.
 * Image rows and their status machine: creation, upload by URL, every transition and its races, listing, deletion,
 * manual retry and the variants compare-and-set.
 */
export function describeImageStoreContract(name: string, makeStores: MakeMetadataStores): void {
  describe(`ImageStore contract: ${name}`, () => {
    let stores: OpenMetadataStores;
    useFreshStores(makeStores, (opened) => {
      stores = opened;
    });
    const { processing, create, done } = imageSteps(() => stores.images);

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
        const created = await stores.images.createImage(image);
        expect(created).toStrictEqual(expected);
        const read = await stores.images.getImage(image.id);
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
        await stores.images.createImage(image);
        const read = await stores.images.getImage(image.id);
        expect(read?.tenant).toBe('tenant-b');
        expect(read?.original).toStrictEqual(image.original);
      });

      it('rejects a duplicate id and leaves the first row alone', async () => {
        const image = newImage();
        await stores.images.createImage(image);
        await expectCode(stores.images.createImage({ ...image, tenant: 'intruder' }), 'TS_INTERNAL');
        const read = await stores.images.getImage(image.id);
        expect(read?.tenant).toBe('tenant-a');
      });

      it('answers undefined for an unknown id, also from every transition', async () => {
        const id = newImageId();
        expect(await stores.images.getImage(id)).toBeUndefined();
        expect(await stores.images.markProcessing(id, 1, at(1))).toBeUndefined();
        expect(await stores.images.markRetrying(id, TRANSIENT, at(1))).toBeUndefined();
        expect(await stores.images.markDone(id, variantSet('x'), at(1))).toBeUndefined();
        expect(await stores.images.markFailed(id, PERMANENT, at(1))).toBeUndefined();
        expect(await stores.images.getImage(id)).toBeUndefined();
      });
    });

    describe('upload by URL: attachOriginal', () => {
      const SOURCE = 'https://images.example/photos/Été.jpg?sig=abc';
      const byUrl = (): NewImage => newImage({ original: null, sourceUrl: SOURCE });

      it('creates a row without an original that remembers its URL', async () => {
        const image = byUrl();
        const created = await stores.images.createImage(image);
        expect(created).toMatchObject({ status: 'queued', original: null, sourceUrl: SOURCE, variants: [] });
        expect(await stores.images.getImage(image.id)).toStrictEqual(created);
      });

      it('refuses a row with neither an original nor a URL', async () => {
        await expect(stores.images.createImage(newImage({ original: null }))).rejects.toThrow();
      });

      it('attaches the fetched original once; a second attach changes nothing and says so', async () => {
        const image = byUrl();
        await stores.images.createImage(image);
        await stores.images.markProcessing(image.id, 1, at(1_000));
        const fetched = newImage().original!;
        const first = await stores.images.attachOriginal(image.id, fetched, at(2_000));
        expect(first?.attached).toBe(true);
        expect(first?.image).toMatchObject({ status: 'processing', original: fetched, sourceUrl: SOURCE });
        expect(first?.image.updatedAt).toStrictEqual(at(2_000));
        const other = { ...fetched, key: 'content/other', sha256: 'b'.repeat(64) };
        const second = await stores.images.attachOriginal(image.id, other, at(3_000));
        expect(second?.attached).toBe(false);
        expect(second?.image.original).toStrictEqual(fetched);
        expect(await stores.images.getImage(image.id)).toStrictEqual(first?.image);
      });

      it('does not attach to a finished row, nor to a file upload, and answers undefined for an unknown id', async () => {
        const image = byUrl();
        await stores.images.createImage(image);
        await stores.images.markFailed(image.id, PERMANENT, at(1_000));
        const fetched = newImage().original!;
        const failed = await stores.images.attachOriginal(image.id, fetched, at(2_000));
        expect(failed).toMatchObject({ attached: false, image: { status: 'failed', original: null } });
        const upload = newImage();
        await stores.images.createImage(upload);
        const kept = await stores.images.attachOriginal(upload.id, { ...fetched, key: 'other' }, at(2_000));
        expect(kept).toMatchObject({ attached: false, image: { original: upload.original } });
        expect(await stores.images.attachOriginal(newImageId(), fetched, at(2_000))).toBeUndefined();
      });
    });

    describe('status machine', () => {
      it('queued -> processing counts the attempt and moves updatedAt', async () => {
        const image = newImage();
        await stores.images.createImage(image);
        const record = await stores.images.markProcessing(image.id, 1, at(1_000));
        expect(record).toMatchObject({ status: 'processing', attempts: 1, error: null, completedAt: null });
        expect(record?.updatedAt).toStrictEqual(at(1_000));
        expect(record?.createdAt).toStrictEqual(T0);
        expect(await stores.images.getImage(image.id)).toStrictEqual(record);
      });

      it('processing -> processing again (redelivery) takes the higher attempt, never a lower one', async () => {
        const { id } = await processing();
        expect((await stores.images.markProcessing(id, 2, at(2_000)))?.attempts).toBe(2);
        const late = await stores.images.markProcessing(id, 1, at(3_000));
        expect(late?.status).toBe('processing');
        expect(late?.attempts).toBe(2);
        expect((await stores.images.markProcessing(id, 3, at(4_000)))?.attempts).toBe(3);
        expect((await stores.images.getImage(id))?.attempts).toBe(3);
      });

      it('processing -> queued by markRetrying keeps the error; the next claim keeps it until done', async () => {
        const { id } = await processing();
        const retrying = await stores.images.markRetrying(id, TRANSIENT, at(2_000));
        expect(retrying).toMatchObject({ status: 'queued', attempts: 1, error: TRANSIENT, completedAt: null });
        expect(retrying?.updatedAt).toStrictEqual(at(2_000));
        const again = await stores.images.markProcessing(id, 2, at(3_000));
        expect(again).toMatchObject({ status: 'processing', attempts: 2, error: TRANSIENT });
        const done = await stores.images.markDone(id, variantSet('a'), at(4_000));
        expect(done).toMatchObject({ status: 'done', attempts: 2, error: null });
      });

      it('processing -> done stores exactly the variants given, in order, and completedAt', async () => {
        const { id } = await processing();
        const variants = variantSet('a');
        const done = await stores.images.markDone(id, variants, at(5_000));
        expect(done).toMatchObject({ status: 'done', attempts: 1, error: null });
        expect(done?.variants).toStrictEqual(variants);
        expect(done?.updatedAt).toStrictEqual(at(5_000));
        expect(done?.completedAt).toStrictEqual(at(5_000));
        expect(await stores.images.getImage(id)).toStrictEqual(done);
      });

      it('stores only Variant fields, whatever else the objects carry', async () => {
        const { id } = await processing();
        const [small] = variantSet('a');
        const done = await stores.images.markDone(id, [{ ...small!, buffer: 'not a column' } as Variant], at(5_000));
        expect(done?.variants).toStrictEqual([small]);
      });

      it('queued -> done is allowed (a redelivered job whose row went back to queued)', async () => {
        const image = newImage();
        await stores.images.createImage(image);
        const done = await stores.images.markDone(image.id, variantSet('q'), at(1_000));
        expect(done).toMatchObject({ status: 'done', attempts: 0 });
        expect(done?.variants).toStrictEqual(variantSet('q'));
      });

      it('done with no variants is a valid result', async () => {
        const { id } = await processing();
        const done = await stores.images.markDone(id, [], at(2_000));
        expect(done).toMatchObject({ status: 'done', variants: [] });
      });

      it('markDone is idempotent: a second call keeps the first result', async () => {
        const { id } = await processing();
        const first = await stores.images.markDone(id, variantSet('first'), at(5_000));
        const second = await stores.images.markDone(id, variantSet('second'), at(9_000));
        expect(second).toStrictEqual(first);
        expect(await stores.images.getImage(id)).toStrictEqual(first);
      });

      it('done stays done after markProcessing, markRetrying and markFailed', async () => {
        const { id } = await processing();
        const done = await stores.images.markDone(id, variantSet('a'), at(5_000));
        expect(await stores.images.markProcessing(id, 2, at(6_000))).toStrictEqual(done);
        expect(await stores.images.markRetrying(id, TRANSIENT, at(7_000))).toStrictEqual(done);
        expect(await stores.images.markFailed(id, PERMANENT, at(8_000))).toStrictEqual(done);
        expect(await stores.images.getImage(id)).toStrictEqual(done);
      });

      it('processing -> failed records the error and completedAt', async () => {
        const { id } = await processing();
        const failed = await stores.images.markFailed(id, PERMANENT, at(5_000));
        expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: PERMANENT, variants: [] });
        expect(failed?.updatedAt).toStrictEqual(at(5_000));
        expect(failed?.completedAt).toStrictEqual(at(5_000));
        expect(await stores.images.getImage(id)).toStrictEqual(failed);
      });

      it('queued -> failed is allowed (e.g. a permanent error found before a claim)', async () => {
        const image = newImage();
        await stores.images.createImage(image);
        const failed = await stores.images.markFailed(image.id, PERMANENT, at(1_000));
        expect(failed).toMatchObject({ status: 'failed', attempts: 0, error: PERMANENT });
      });

      it('failed stays failed (until an explicit re-queue): every transition returns it unchanged', async () => {
        const { id } = await processing();
        const failed = await stores.images.markFailed(id, PERMANENT, at(5_000));
        expect(await stores.images.markProcessing(id, 2, at(6_000))).toStrictEqual(failed);
        expect(await stores.images.markRetrying(id, TRANSIENT, at(7_000))).toStrictEqual(failed);
        expect(await stores.images.markDone(id, variantSet('late'), at(8_000))).toStrictEqual(failed);
        expect(
          await stores.images.markFailed(id, { code: 'TS_ATTEMPTS_EXHAUSTED', message: 'other' }, at(9_000)),
        ).toStrictEqual(failed);
        expect(await stores.images.getImage(id)).toStrictEqual(failed);
      });

      it('10 concurrent markDone calls leave exactly one variant set, and all return it', async () => {
        const { id } = await processing();
        const sets = Array.from({ length: 10 }, (_, i) => variantSet(`worker-${i}`));
        const results = await Promise.all(sets.map((set, i) => stores.images.markDone(id, set, at(10_000 + i))));
        const final = await stores.images.getImage(id);
        expect(final?.status).toBe('done');
        const winners = sets.filter((set) => JSON.stringify(set) === JSON.stringify(final?.variants));
        expect(winners).toHaveLength(1);
        for (const result of results) expect(result).toStrictEqual(final);
      });

      it('concurrent markDone and markFailed: one wins, every call returns the winner', async () => {
        const { id } = await processing();
        const calls = Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? stores.images.markDone(id, variantSet(`w${i}`), at(10_000 + i))
            : stores.images.markFailed(id, PERMANENT, at(10_000 + i)),
        );
        const results = await Promise.all(calls);
        const final = await stores.images.getImage(id);
        expect(['done', 'failed']).toContain(final?.status);
        if (final?.status === 'failed') expect(final.variants).toStrictEqual([]);
        for (const result of results) expect(result).toStrictEqual(final);
      });
    });

    describe('callbackUrl', () => {
      it('is stored and read back when given, absent otherwise', async () => {
        const withUrl = await create({ callbackUrl: 'https://hooks.example.com/t?x=1' });
        const without = await create();
        expect((await stores.images.getImage(withUrl.id))?.callbackUrl).toBe('https://hooks.example.com/t?x=1');
        expect(withUrl.callbackUrl).toBe('https://hooks.example.com/t?x=1');
        expect(Object.hasOwn((await stores.images.getImage(without.id))!, 'callbackUrl')).toBe(false);
      });
    });

    describe('listImages', () => {
      it('pages newest first by (createdAt, id) with a keyset cursor, only the tenant’s rows', async () => {
        const ids: string[] = [];
        // Three rows share one createdAt: the id breaks the tie.
        for (const offset of [0, 1_000, 1_000, 1_000, 2_000, 3_000, 4_000]) {
          ids.push((await create({ createdAt: at(offset) })).id);
        }
        await create({ tenant: 'tenant-b', content: contentRef('tenant-b', SHA_A), createdAt: at(5_000) });
        const expected = (await Promise.all(ids.map((id) => stores.images.getImage(id))))
          .map((image) => image!)
          .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0))
          .map((image) => image.id);

        const seen: string[] = [];
        let after: { createdAt: Date; id: string } | undefined;
        for (let page = 0; page < 10; page += 1) {
          const rows = await stores.images.listImages('tenant-a', { limit: 3, ...(after && { after }) });
          seen.push(...rows.map((row) => row.id));
          if (rows.length < 3) break;
          const last = rows.at(-1)!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toStrictEqual(expected);
        expect(await stores.images.listImages('tenant-c', { limit: 10 })).toStrictEqual([]);
      });

      it('is stable under inserts between pages: nothing repeated, nothing skipped', async () => {
        for (let i = 0; i < 6; i += 1) await create({ createdAt: at(i * 1_000) });
        const first = await stores.images.listImages('tenant-a', { limit: 3 });
        // Newer rows arrive while the client pages.
        for (let i = 0; i < 4; i += 1) await create({ createdAt: at(10_000 + i) });
        const last = first.at(-1)!;
        const second = await stores.images.listImages('tenant-a', {
          limit: 10,
          after: { createdAt: last.createdAt, id: last.id },
        });
        const all = [...first, ...second].map((image) => image.createdAt.getTime() - T0.getTime());
        expect(all).toStrictEqual([5_000, 4_000, 3_000, 2_000, 1_000, 0]);
      });

      it('filters by status and strictly by creation time', async () => {
        const a = await create({ createdAt: at(0) });
        const b = await done({ createdAt: at(1_000) });
        const c = await create({ createdAt: at(2_000) });
        const ids = async (query: ImageListQuery) =>
          (await stores.images.listImages('tenant-a', query)).map((image) => image.id);
        expect(await ids({ limit: 10, status: 'done' })).toStrictEqual([b.id]);
        expect(await ids({ limit: 10, status: 'queued' })).toStrictEqual([c.id, a.id]);
        expect(await ids({ limit: 10, createdAfter: at(0) })).toStrictEqual([c.id, b.id]);
        expect(await ids({ limit: 10, createdBefore: at(2_000) })).toStrictEqual([b.id, a.id]);
        expect(await ids({ limit: 10, createdAfter: at(0), createdBefore: at(2_000) })).toStrictEqual([b.id]);
        expect(await ids({ limit: 0 })).toStrictEqual([]);
      });
    });

    describe('deleteImage', () => {
      it('deletes and returns the tenant’s row once; another tenant cannot delete it', async () => {
        const image = await create();
        expect(await stores.images.deleteImage('tenant-b', image.id)).toBeUndefined();
        expect(await stores.images.getImage(image.id)).toBeDefined();
        const deleted = await stores.images.deleteImage('tenant-a', image.id);
        expect(deleted?.id).toBe(image.id);
        expect(await stores.images.getImage(image.id)).toBeUndefined();
        expect(await stores.images.deleteImage('tenant-a', image.id)).toBeUndefined();
      });

      it('a transition after the delete does not bring the row back', async () => {
        const image = await create();
        await stores.images.markProcessing(image.id, 1, at(10));
        await stores.images.deleteImage('tenant-a', image.id);
        expect(await stores.images.markDone(image.id, contentVariants('x'), at(20))).toBeUndefined();
        expect(await stores.images.markFailed(image.id, PERMANENT, at(20))).toBeUndefined();
        expect(await stores.images.getImage(image.id)).toBeUndefined();
      });
    });

    describe('requeueFailed', () => {
      it('moves failed to queued with attempts 0 and no error; says whether it did', async () => {
        const image = await create();
        await stores.images.markProcessing(image.id, 3, at(10));
        await stores.images.markFailed(image.id, PERMANENT, at(20));
        const result = await stores.images.requeueFailed('tenant-a', image.id, at(30));
        expect(result?.requeued).toBe(true);
        expect(result?.image).toMatchObject({
          status: 'queued',
          attempts: 0,
          error: null,
          completedAt: null,
          updatedAt: at(30),
        });
        // Not failed any more: a second call changes nothing.
        expect((await stores.images.requeueFailed('tenant-a', image.id, at(40)))?.requeued).toBe(false);
        expect((await stores.images.markProcessing(image.id, 1, at(50)))?.status).toBe('processing');
      });

      it('leaves other statuses, other tenants and unknown ids alone', async () => {
        const finished = await done();
        const result = await stores.images.requeueFailed('tenant-a', finished.id, at(30));
        expect(result).toStrictEqual({ image: finished, requeued: false });
        const failed = await create();
        await stores.images.markFailed(failed.id, PERMANENT, at(20));
        expect(await stores.images.requeueFailed('tenant-b', failed.id, at(30))).toBeUndefined();
        expect((await stores.images.getImage(failed.id))?.status).toBe('failed');
        expect(await stores.images.requeueFailed('tenant-a', newImageId(), at(30))).toBeUndefined();
      });
    });

    describe('replaceVariants', () => {
      it('swaps the variants of a done row only while they are what the caller read', async () => {
        const image = await done();
        const next = contentVariants('two');
        const swapped = await stores.images.replaceVariants('tenant-a', image.id, image.variants, next, at(100));
        expect(swapped?.variants).toStrictEqual(next);
        expect(swapped?.updatedAt).toStrictEqual(at(100));
        expect(swapped?.status).toBe('done');
        expect(swapped?.completedAt).toStrictEqual(image.completedAt);
        // A stale read loses.
        expect(
          await stores.images.replaceVariants('tenant-a', image.id, image.variants, contentVariants('three'), at(200)),
        ).toBeUndefined();
        expect((await stores.images.getImage(image.id))?.variants).toStrictEqual(next);
        expect(
          await stores.images.replaceVariants('tenant-b', image.id, next, contentVariants('three'), at(200)),
        ).toBeUndefined();
      });

      it('never touches a row that is not done', async () => {
        const image = await create();
        expect(
          await stores.images.replaceVariants('tenant-a', image.id, [], contentVariants('x'), at(100)),
        ).toBeUndefined();
        expect((await stores.images.getImage(image.id))?.variants).toStrictEqual([]);
      });
    });
  });
}
