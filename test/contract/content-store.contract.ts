import { describe, expect, it } from 'vitest';
import type { OpenMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import { newContentGeneration } from '../../src/domain/content-keys.js';
import {
  at,
  contentRef,
  imageSteps,
  type MakeMetadataStores,
  SHA_A,
  SHA_B,
  T0,
  useFreshStores,
} from './metadata-fixtures.js';

/**
 * The behaviour every ContentStore adapter must show, on a fresh, migrated database per test.
 * Reference-counted contents: acquire, release (and its races), listing images by content and reaping leaked
 * references.
 */
export function describeContentStoreContract(name: string, makeStores: MakeMetadataStores): void {
  describe(`ContentStore contract: ${name}`, () => {
    let stores: OpenMetadataStores;
    useFreshStores(makeStores, (opened) => {
      stores = opened;
    });
    const { create } = imageSteps(() => stores.images);

    describe('contents', () => {
      it('acquire creates once, then counts; the last release removes it; a new acquire is a new generation', async () => {
        const first = contentRef('tenant-a', SHA_A);
        const a = await stores.contents.acquireContent(first, at(0));
        expect(a).toStrictEqual({ content: first, created: true });
        const second = contentRef('tenant-a', SHA_A, newContentGeneration(T0.getTime() + 1));
        const b = await stores.contents.acquireContent(second, at(1));
        expect(b).toStrictEqual({ content: first, created: false });
        // Another tenant's same bytes are its own content.
        const other = contentRef('tenant-b', SHA_A);
        expect((await stores.contents.acquireContent(other, at(2))).created).toBe(true);

        expect(await stores.contents.releaseContent(first, at(3))).toBe(false);
        expect(await stores.contents.existingContentGenerations([first.generation])).toStrictEqual(
          new Set([first.generation]),
        );
        expect(await stores.contents.releaseContent(first, at(4))).toBe(true);
        expect(await stores.contents.existingContentGenerations([first.generation, other.generation])).toStrictEqual(
          new Set([other.generation]),
        );
        // Released past zero or unknown: false, nothing happens.
        expect(await stores.contents.releaseContent(first, at(5))).toBe(false);
        const third = contentRef('tenant-a', SHA_A, newContentGeneration(T0.getTime() + 2));
        expect(await stores.contents.acquireContent(third, at(6))).toStrictEqual({ content: third, created: true });
      });

      it('concurrent releases of N references: exactly one reports the last', async () => {
        const ref = contentRef('tenant-a', SHA_B);
        for (let i = 0; i < 12; i += 1) await stores.contents.acquireContent(ref, at(i));
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => stores.contents.releaseContent(ref, at(100 + i))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await stores.contents.existingContentGenerations([ref.generation])).toStrictEqual(new Set());
      });

      it('concurrent acquires and releases keep the count exact', async () => {
        const ref = contentRef('tenant-a', SHA_B);
        await stores.contents.acquireContent(ref, at(0));
        const acquired = await Promise.all(
          // Each acquire brings its own fresh candidate generation, as ContentBlobs does.
          Array.from({ length: 10 }, (_, k) =>
            stores.contents.acquireContent(
              contentRef('tenant-a', SHA_B, newContentGeneration(T0.getTime() + 1 + k)),
              at(1 + k),
            ),
          ),
        );
        expect(acquired.every((result) => !result.created && result.content.generation === ref.generation)).toBe(true);
        // 1 + 10 references: 10 releases leave it alive, the 11th removes it.
        const releases = await Promise.all(
          Array.from({ length: 10 }, (_, i) => stores.contents.releaseContent(ref, at(100 + i))),
        );
        expect(releases.every((last) => !last)).toBe(true);
        expect(await stores.contents.releaseContent(ref, at(200))).toBe(true);
      });

      it('listByContent lists the tenant’s images of that content only', async () => {
        const ref = contentRef('tenant-a', SHA_A);
        const x = await create({ content: ref, createdAt: at(0) });
        const y = await create({ content: ref, createdAt: at(1) });
        await create({ content: contentRef('tenant-a', SHA_B) });
        await create({ tenant: 'tenant-b', content: { ...ref, tenant: 'tenant-b' } });
        expect((await stores.contents.listByContent(ref, 10)).map((image) => image.id)).toStrictEqual([y.id, x.id]);
        expect((await stores.contents.listByContent(ref, 1)).map((image) => image.id)).toStrictEqual([y.id]);
      });

      it('reapUnreferencedContents removes only contents no image uses and nobody acquired since the cutoff', async () => {
        const leaked = contentRef('tenant-a', SHA_A);
        const used = contentRef('tenant-a', SHA_B);
        const fresh = contentRef('tenant-b', SHA_A);
        await stores.contents.acquireContent(leaked, at(0));
        await stores.contents.acquireContent(used, at(0));
        await create({ content: used });
        await stores.contents.acquireContent(fresh, at(5_000));
        expect(await stores.contents.reapUnreferencedContents(at(1_000), 10)).toStrictEqual([leaked]);
        expect(
          await stores.contents.existingContentGenerations([leaked.generation, used.generation, fresh.generation]),
        ).toStrictEqual(new Set([used.generation, fresh.generation]));
        expect(await stores.contents.reapUnreferencedContents(at(1_000), 10)).toStrictEqual([]);
      });
    });
  });
}
