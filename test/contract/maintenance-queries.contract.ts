import { describe, expect, it } from 'vitest';
import type { OpenMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import { newImageId } from '../../src/domain/ids.js';
import {
  at,
  contentRef,
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
 * The behaviour every MaintenanceQueries adapter must show, on a fresh, migrated database per test.
 * The system-wide queries of the sweeper, retention, the garbage collector, reprocessing and `keys create`.
 */
export function describeMaintenanceQueriesContract(name: string, makeStores: MakeMetadataStores): void {
  describe(`MaintenanceQueries contract: ${name}`, () => {
    let stores: OpenMetadataStores;
    useFreshStores(makeStores, (opened) => {
      stores = opened;
    });
    const { create, done } = imageSteps(() => stores.images);

    describe('listStaleQueued', () => {
      it('lists queued ids older than the cutoff, oldest first, up to the limit', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i * 1_000) });
          await stores.images.createImage(image);
          ids.push(image.id);
        }
        // Created out of order in time: insertion order must not decide the listing.
        const early = newImage({ id: newImageId(T0.getTime() - 1), createdAt: at(-500) });
        await stores.images.createImage(early);

        expect(await stores.maintenance.listStaleQueued(at(10_000), 100)).toStrictEqual([early.id, ...ids]);
        expect(await stores.maintenance.listStaleQueued(at(10_000), 2)).toStrictEqual([early.id, ids[0]]);
        // The cutoff is strict: updatedAt == before is not stale.
        expect(await stores.maintenance.listStaleQueued(at(2_000), 100)).toStrictEqual([early.id, ids[0], ids[1]]);
        expect(await stores.maintenance.listStaleQueued(at(-500), 100)).toStrictEqual([]);
        expect(await stores.maintenance.listStaleQueued(at(10_000), 0)).toStrictEqual([]);
      });

      it('skips processing, done and failed rows; markRetrying puts a row back with a new updatedAt', async () => {
        const rows: string[] = [];
        for (let i = 0; i < 4; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i) });
          await stores.images.createImage(image);
          rows.push(image.id);
        }
        const [a, b, c, d] = rows as [string, string, string, string];
        await stores.images.markProcessing(a, 1, at(100));
        await stores.images.markProcessing(b, 1, at(100));
        await stores.images.markDone(b, variantSet('b'), at(200));
        await stores.images.markFailed(c, PERMANENT, at(200));
        expect(await stores.maintenance.listStaleQueued(at(60_000), 10)).toStrictEqual([d]);

        await stores.images.markRetrying(a, TRANSIENT, at(30_000));
        expect(await stores.maintenance.listStaleQueued(at(30_000), 10)).toStrictEqual([d]);
        expect(await stores.maintenance.listStaleQueued(at(30_001), 10)).toStrictEqual([d, a]);
      });
    });

    describe('listStaleProcessing', () => {
      it('lists processing ids claimed before the cutoff, oldest claim first, up to the limit', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i) });
          await stores.images.createImage(image);
          ids.push(image.id);
        }
        const [a, b, c, d] = ids as [string, string, string, string];
        // Claimed out of id order: the claim time decides the order.
        await stores.images.markProcessing(c, 1, at(1_000));
        await stores.images.markProcessing(a, 1, at(2_000));
        await stores.images.markProcessing(b, 1, at(3_000));

        expect(await stores.maintenance.listStaleProcessing(at(60_000), 10)).toStrictEqual([c, a, b]);
        expect(await stores.maintenance.listStaleProcessing(at(60_000), 2)).toStrictEqual([c, a]);
        // Strict cutoff, like listStaleQueued.
        expect(await stores.maintenance.listStaleProcessing(at(2_000), 10)).toStrictEqual([c]);
        expect(await stores.maintenance.listStaleProcessing(at(60_000), 0)).toStrictEqual([]);
        // `d` is queued: not listed here, and the processing rows are not listed as queued.
        expect(await stores.maintenance.listStaleQueued(at(60_000), 10)).toStrictEqual([d]);
      });

      it('skips rows that finished or went back to queued; a redelivery moves the claim time', async () => {
        const rows: string[] = [];
        for (let i = 0; i < 4; i++) {
          const image = newImage({ id: newImageId(T0.getTime() + i), createdAt: at(i) });
          await stores.images.createImage(image);
          await stores.images.markProcessing(image.id, 1, at(100));
          rows.push(image.id);
        }
        const [a, b, c, d] = rows as [string, string, string, string];
        await stores.images.markDone(a, variantSet('a'), at(200));
        await stores.images.markFailed(b, PERMANENT, at(200));
        await stores.images.markRetrying(c, TRANSIENT, at(200));
        expect(await stores.maintenance.listStaleProcessing(at(60_000), 10)).toStrictEqual([d]);

        await stores.images.markProcessing(d, 2, at(30_000));
        expect(await stores.maintenance.listStaleProcessing(at(30_000), 10)).toStrictEqual([]);
        expect(await stores.maintenance.listStaleProcessing(at(30_001), 10)).toStrictEqual([d]);
      });
    });

    describe('system-wide queries', () => {
      it('existingImageIds, listCreatedBefore (oldest first, strict) and listDone (id order, paged)', async () => {
        const old = await create({ createdAt: at(0) });
        const older = await create({
          tenant: 'tenant-b',
          content: contentRef('tenant-b', SHA_A),
          createdAt: at(-1_000),
        });
        const recent = await done({ createdAt: at(5_000) });
        const doneOld = await done({ createdAt: at(1_000) });
        const unknown = newImageId();
        expect(await stores.maintenance.existingImageIds([old.id, unknown, recent.id])).toStrictEqual(
          new Set([old.id, recent.id]),
        );
        expect(await stores.maintenance.existingImageIds([])).toStrictEqual(new Set());
        expect((await stores.maintenance.listCreatedBefore(at(1_000), 10)).map((image) => image.id)).toStrictEqual([
          older.id,
          old.id,
        ]);
        expect((await stores.maintenance.listCreatedBefore(at(1_000), 1)).map((image) => image.id)).toStrictEqual([
          older.id,
        ]);
        const doneIds = [recent.id, doneOld.id].sort();
        expect((await stores.maintenance.listDone(undefined, 10)).map((image) => image.id)).toStrictEqual(doneIds);
        expect((await stores.maintenance.listDone(doneIds[0], 10)).map((image) => image.id)).toStrictEqual([
          doneIds[1],
        ]);
        expect(await stores.maintenance.listDone(undefined, 0)).toStrictEqual([]);
      });

      it("countImages counts one tenant's images of every status, and 0 for a tenant without any", async () => {
        await create({});
        await done({});
        await create({ tenant: 'tenant-b', content: contentRef('tenant-b', SHA_A) });
        expect(await stores.maintenance.countImages(newImage().tenant)).toBe(2);
        expect(await stores.maintenance.countImages('tenant-b')).toBe(1);
        expect(await stores.maintenance.countImages('nobody')).toBe(0);
      });
    });
  });
}
