import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ContentRef, contentOriginalKey, newContentGeneration } from '../../src/domain/content-keys.js';
import { newImageId } from '../../src/domain/ids.js';
import type { ImageError, ImageRecord, NewImage, Variant } from '../../src/domain/image.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import type { MetadataStoreUnderTest } from './metadata-store.contract.js';

// Instants with a millisecond part, as in the main suite.
const T0 = new Date('2026-03-04T05:06:07.891Z');
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const PERMANENT: ImageError = { code: 'TS_IMAGE_CORRUPT', message: 'premature end of JPEG' };

function contentRef(tenant: string, sha256: string, generation = newContentGeneration(T0.getTime())): ContentRef {
  return { tenant, sha256, generation, originalKey: contentOriginalKey(sha256, generation) };
}

function newImage(options: { tenant?: string; createdAt?: Date; content?: ContentRef; callbackUrl?: string } = {}) {
  const createdAt = options.createdAt ?? T0;
  const content = options.content ?? contentRef(options.tenant ?? 'tenant-a', SHA_A);
  const image: NewImage = {
    id: newImageId(createdAt.getTime()),
    tenant: options.tenant ?? content.tenant,
    createdAt,
    original: {
      key: content.originalKey,
      format: 'png',
      width: 640,
      height: 480,
      bytes: 12_345,
      sha256: content.sha256,
      frames: 1,
      filename: null,
    },
    ...(options.callbackUrl !== undefined && { callbackUrl: options.callbackUrl }),
  };
  return image;
}

function variants(tag: string): Variant[] {
  return [
    {
      preset: 'small',
      presetVersion: `v-${tag}`,
      key: `content/${SHA_A}/x/small-${tag}.jpg`,
      width: 150,
      height: 113,
      format: 'jpeg',
      contentType: 'image/jpeg',
      bytes: 4_321,
      sha256: '1'.repeat(64),
    },
  ];
}

/**
 * The lifecycle methods of the MetadataStore (issue 8): listing, deletion, manual retry, variant compare-and-set and
 * reference-counted contents, each scoped to a tenant; plus the system-wide queries of retention, the garbage
 * collector and reprocessing. Run by every adapter through describeMetadataStoreContract.
 */
export function describeMetadataStoreLifecycleContract(
  name: string,
  makeStore: () => Promise<MetadataStoreUnderTest>,
): void {
  describe(`MetadataStore lifecycle contract: ${name}`, () => {
    let subject: MetadataStoreUnderTest;
    let store: MetadataStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    async function create(options: Parameters<typeof newImage>[0] = {}): Promise<ImageRecord> {
      return store.createImage(newImage(options));
    }

    async function done(options: Parameters<typeof newImage>[0] = {}, tag = 'one'): Promise<ImageRecord> {
      const image = await create(options);
      await store.markProcessing(image.id, 1, at(10));
      return (await store.markDone(image.id, variants(tag), at(20)))!;
    }

    describe('callbackUrl', () => {
      it('is stored and read back when given, absent otherwise', async () => {
        const withUrl = await create({ callbackUrl: 'https://hooks.example.com/t?x=1' });
        const without = await create();
        expect((await store.getImage(withUrl.id))?.callbackUrl).toBe('https://hooks.example.com/t?x=1');
        expect(withUrl.callbackUrl).toBe('https://hooks.example.com/t?x=1');
        expect(Object.hasOwn((await store.getImage(without.id))!, 'callbackUrl')).toBe(false);
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
        const expected = (await Promise.all(ids.map((id) => store.getImage(id))))
          .map((image) => image!)
          .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0))
          .map((image) => image.id);

        const seen: string[] = [];
        let after: { createdAt: Date; id: string } | undefined;
        for (let page = 0; page < 10; page += 1) {
          const rows = await store.listImages('tenant-a', { limit: 3, ...(after && { after }) });
          seen.push(...rows.map((row) => row.id));
          if (rows.length < 3) break;
          const last = rows.at(-1)!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toStrictEqual(expected);
        expect(await store.listImages('tenant-c', { limit: 10 })).toStrictEqual([]);
      });

      it('is stable under inserts between pages: nothing repeated, nothing skipped', async () => {
        for (let i = 0; i < 6; i += 1) await create({ createdAt: at(i * 1_000) });
        const first = await store.listImages('tenant-a', { limit: 3 });
        // Newer rows arrive while the client pages.
        for (let i = 0; i < 4; i += 1) await create({ createdAt: at(10_000 + i) });
        const last = first.at(-1)!;
        const second = await store.listImages('tenant-a', {
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
        const ids = async (query: Parameters<MetadataStore['listImages']>[1]) =>
          (await store.listImages('tenant-a', query)).map((image) => image.id);
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
        expect(await store.deleteImage('tenant-b', image.id)).toBeUndefined();
        expect(await store.getImage(image.id)).toBeDefined();
        const deleted = await store.deleteImage('tenant-a', image.id);
        expect(deleted?.id).toBe(image.id);
        expect(await store.getImage(image.id)).toBeUndefined();
        expect(await store.deleteImage('tenant-a', image.id)).toBeUndefined();
      });

      it('a transition after the delete does not bring the row back', async () => {
        const image = await create();
        await store.markProcessing(image.id, 1, at(10));
        await store.deleteImage('tenant-a', image.id);
        expect(await store.markDone(image.id, variants('x'), at(20))).toBeUndefined();
        expect(await store.markFailed(image.id, PERMANENT, at(20))).toBeUndefined();
        expect(await store.getImage(image.id)).toBeUndefined();
      });
    });

    describe('requeueFailed', () => {
      it('moves failed to queued with attempts 0 and no error; says whether it did', async () => {
        const image = await create();
        await store.markProcessing(image.id, 3, at(10));
        await store.markFailed(image.id, PERMANENT, at(20));
        const result = await store.requeueFailed('tenant-a', image.id, at(30));
        expect(result?.requeued).toBe(true);
        expect(result?.image).toMatchObject({
          status: 'queued',
          attempts: 0,
          error: null,
          completedAt: null,
          updatedAt: at(30),
        });
        // Not failed any more: a second call changes nothing.
        expect((await store.requeueFailed('tenant-a', image.id, at(40)))?.requeued).toBe(false);
        expect((await store.markProcessing(image.id, 1, at(50)))?.status).toBe('processing');
      });

      it('leaves other statuses, other tenants and unknown ids alone', async () => {
        const finished = await done();
        const result = await store.requeueFailed('tenant-a', finished.id, at(30));
        expect(result).toStrictEqual({ image: finished, requeued: false });
        const failed = await create();
        await store.markFailed(failed.id, PERMANENT, at(20));
        expect(await store.requeueFailed('tenant-b', failed.id, at(30))).toBeUndefined();
        expect((await store.getImage(failed.id))?.status).toBe('failed');
        expect(await store.requeueFailed('tenant-a', newImageId(), at(30))).toBeUndefined();
      });
    });

    describe('replaceVariants', () => {
      it('swaps the variants of a done row only while they are what the caller read', async () => {
        const image = await done();
        const next = variants('two');
        const swapped = await store.replaceVariants('tenant-a', image.id, image.variants, next, at(100));
        expect(swapped?.variants).toStrictEqual(next);
        expect(swapped?.updatedAt).toStrictEqual(at(100));
        expect(swapped?.status).toBe('done');
        expect(swapped?.completedAt).toStrictEqual(image.completedAt);
        // A stale read loses.
        expect(
          await store.replaceVariants('tenant-a', image.id, image.variants, variants('three'), at(200)),
        ).toBeUndefined();
        expect((await store.getImage(image.id))?.variants).toStrictEqual(next);
        expect(await store.replaceVariants('tenant-b', image.id, next, variants('three'), at(200))).toBeUndefined();
      });

      it('never touches a row that is not done', async () => {
        const image = await create();
        expect(await store.replaceVariants('tenant-a', image.id, [], variants('x'), at(100))).toBeUndefined();
        expect((await store.getImage(image.id))?.variants).toStrictEqual([]);
      });
    });

    describe('contents', () => {
      it('acquire creates once, then counts; the last release removes it; a new acquire is a new generation', async () => {
        const first = contentRef('tenant-a', SHA_A);
        const a = await store.acquireContent(first, at(0));
        expect(a).toStrictEqual({ content: first, created: true });
        const second = contentRef('tenant-a', SHA_A, newContentGeneration(T0.getTime() + 1));
        const b = await store.acquireContent(second, at(1));
        expect(b).toStrictEqual({ content: first, created: false });
        // Another tenant's same bytes are its own content.
        const other = contentRef('tenant-b', SHA_A);
        expect((await store.acquireContent(other, at(2))).created).toBe(true);

        expect(await store.releaseContent(first, at(3))).toBe(false);
        expect(await store.existingContentGenerations([first.generation])).toStrictEqual(new Set([first.generation]));
        expect(await store.releaseContent(first, at(4))).toBe(true);
        expect(await store.existingContentGenerations([first.generation, other.generation])).toStrictEqual(
          new Set([other.generation]),
        );
        // Released past zero or unknown: false, nothing happens.
        expect(await store.releaseContent(first, at(5))).toBe(false);
        const third = contentRef('tenant-a', SHA_A, newContentGeneration(T0.getTime() + 2));
        expect(await store.acquireContent(third, at(6))).toStrictEqual({ content: third, created: true });
      });

      it('concurrent releases of N references: exactly one reports the last', async () => {
        const ref = contentRef('tenant-a', SHA_B);
        for (let i = 0; i < 12; i += 1) await store.acquireContent(ref, at(i));
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.releaseContent(ref, at(100 + i))));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.existingContentGenerations([ref.generation])).toStrictEqual(new Set());
      });

      it('concurrent acquires and releases keep the count exact', async () => {
        const ref = contentRef('tenant-a', SHA_B);
        await store.acquireContent(ref, at(0));
        const acquired = await Promise.all(
          // Each acquire brings its own fresh candidate generation, as ContentBlobs does.
          Array.from({ length: 10 }, (_, k) =>
            store.acquireContent(contentRef('tenant-a', SHA_B, newContentGeneration(T0.getTime() + 1 + k)), at(1 + k)),
          ),
        );
        expect(acquired.every((result) => !result.created && result.content.generation === ref.generation)).toBe(true);
        // 1 + 10 references: 10 releases leave it alive, the 11th removes it.
        const releases = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.releaseContent(ref, at(100 + i))),
        );
        expect(releases.every((last) => !last)).toBe(true);
        expect(await store.releaseContent(ref, at(200))).toBe(true);
      });

      it('listByContent lists the tenant’s images of that content only', async () => {
        const ref = contentRef('tenant-a', SHA_A);
        const x = await create({ content: ref, createdAt: at(0) });
        const y = await create({ content: ref, createdAt: at(1) });
        await create({ content: contentRef('tenant-a', SHA_B) });
        await create({ tenant: 'tenant-b', content: { ...ref, tenant: 'tenant-b' } });
        expect((await store.listByContent(ref, 10)).map((image) => image.id)).toStrictEqual([y.id, x.id]);
        expect((await store.listByContent(ref, 1)).map((image) => image.id)).toStrictEqual([y.id]);
      });

      it('reapUnreferencedContents removes only contents no image uses and nobody acquired since the cutoff', async () => {
        const leaked = contentRef('tenant-a', SHA_A);
        const used = contentRef('tenant-a', SHA_B);
        const fresh = contentRef('tenant-b', SHA_A);
        await store.acquireContent(leaked, at(0));
        await store.acquireContent(used, at(0));
        await create({ content: used });
        await store.acquireContent(fresh, at(5_000));
        expect(await store.reapUnreferencedContents(at(1_000), 10)).toStrictEqual([leaked]);
        expect(
          await store.existingContentGenerations([leaked.generation, used.generation, fresh.generation]),
        ).toStrictEqual(new Set([used.generation, fresh.generation]));
        expect(await store.reapUnreferencedContents(at(1_000), 10)).toStrictEqual([]);
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
        expect(await store.existingImageIds([old.id, unknown, recent.id])).toStrictEqual(new Set([old.id, recent.id]));
        expect(await store.existingImageIds([])).toStrictEqual(new Set());
        expect((await store.listCreatedBefore(at(1_000), 10)).map((image) => image.id)).toStrictEqual([
          older.id,
          old.id,
        ]);
        expect((await store.listCreatedBefore(at(1_000), 1)).map((image) => image.id)).toStrictEqual([older.id]);
        const doneIds = [recent.id, doneOld.id].sort();
        expect((await store.listDone(undefined, 10)).map((image) => image.id)).toStrictEqual(doneIds);
        expect((await store.listDone(doneIds[0], 10)).map((image) => image.id)).toStrictEqual([doneIds[1]]);
        expect(await store.listDone(undefined, 0)).toStrictEqual([]);
      });
    });
  });
}
