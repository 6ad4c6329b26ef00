import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsBlobStore, type FsBlobStore } from '../../src/adapters/fs/fs-blob-store.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { describeBlobStoreContract } from '../contract/blob-store.contract.js';
import { adapterEnabled } from '../support/servers.js';

describe.skipIf(!adapterEnabled('fs'))('fs blob store', () => {
  describeBlobStoreContract('fs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'thumbsmith-fs-blob-'));
    const root = path.join(dir, 'blobs');
    const store = await createFsBlobStore(root);
    return {
      store,
      storesContentType: false,
      leftovers: () => readdir(path.join(root, '.tmp')),
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });

  describe('fs specifics', () => {
    let dir: string;
    let root: string;
    let store: FsBlobStore;

    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'thumbsmith-fs-blob-'));
      root = path.join(dir, 'data', 'blobs');
      store = await createFsBlobStore(root);
    });

    afterEach(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('creates the root and keeps each blob as a file at <root>/<key>', async () => {
      const bytes = randomBytes(1000);
      await store.put('variants/img_x/small-1.jpg', { buffer: bytes }, { contentType: 'image/jpeg' });
      const file = store.localPath('variants/img_x/small-1.jpg');
      expect(file).toBe(path.join(root, 'variants', 'img_x', 'small-1.jpg'));
      expect(path.isAbsolute(file)).toBe(true);
      expect(await readFile(file)).toEqual(bytes);
      expect(store.root).toBe(root);
    });

    it('removes directories a delete left empty, but never the root', async () => {
      await store.put('variants/img_x/small-1.jpg', { buffer: Buffer.from('a') }, { contentType: 'image/jpeg' });
      await store.put('variants/img_y/small-1.jpg', { buffer: Buffer.from('b') }, { contentType: 'image/jpeg' });
      await store.delete('variants/img_x/small-1.jpg');
      expect(await readdir(path.join(root, 'variants'))).toEqual(['img_y']);
      await store.delete('variants/img_y/small-1.jpg');
      expect((await readdir(root)).sort()).toEqual(['.tmp']);
    });

    it('never lets a reader see a partly written blob while puts replace it', async () => {
      const versions = [randomBytes(2 * 1024 * 1024), randomBytes(1024 * 1024 + 7)];
      const hashes = versions.map((bytes) => createHash('sha256').update(bytes).digest('hex'));
      await store.put('originals/img_busy', { buffer: versions[0]! }, { contentType: 'image/png' });
      const writes = (async () => {
        for (let round = 0; round < 20; round += 1) {
          await store.put('originals/img_busy', { buffer: versions[round % 2]! }, { contentType: 'image/png' });
        }
      })();
      const seen: string[] = [];
      const reads = (async () => {
        for (let round = 0; round < 40; round += 1) {
          const hash = createHash('sha256');
          for await (const chunk of await store.get('originals/img_busy')) hash.update(chunk as Buffer);
          seen.push(hash.digest('hex'));
        }
      })();
      await Promise.all([writes, reads]);
      expect(seen).toHaveLength(40);
      for (const hash of seen) expect(hashes).toContain(hash);
    });

    it('sweeps temp files older than the given age and keeps younger ones', async () => {
      const tempDir = path.join(root, '.tmp');
      await writeFile(path.join(tempDir, 'crashed.tmp'), 'half a blob');
      await writeFile(path.join(tempDir, 'in-progress.tmp'), 'being written');
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      await utimes(path.join(tempDir, 'crashed.tmp'), twoHoursAgo, twoHoursAgo);
      expect(await store.sweepTemp(60 * 60 * 1000)).toBe(1);
      expect(await readdir(tempDir)).toEqual(['in-progress.tmp']);
    });

    it('sweeps stale temp files when a store is created on an existing root', async () => {
      const tempDir = path.join(root, '.tmp');
      await writeFile(path.join(tempDir, 'crashed.tmp'), 'half a blob');
      const longAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
      await utimes(path.join(tempDir, 'crashed.tmp'), longAgo, longAgo);
      await writeFile(path.join(tempDir, 'fresh.tmp'), 'another process is writing this');
      await store.put('originals/img_kept', { buffer: Buffer.from('kept') }, { contentType: 'image/png' });
      const again = await createFsBlobStore(root);
      expect(await readdir(tempDir)).toEqual(['fresh.tmp']);
      expect((await again.stat('originals/img_kept'))?.bytes).toBe(4);
      await again.close();
    });

    it('does not list the temp directory', async () => {
      await writeFile(path.join(root, '.tmp', 'orphan.tmp'), 'x');
      await store.put('originals/img_a', { buffer: Buffer.from('a') }, { contentType: 'image/png' });
      const keys: string[] = [];
      for await (const key of store.list('')) keys.push(key);
      expect(keys).toEqual(['originals/img_a']);
    });

    it('reports TS_STORAGE_UNAVAILABLE from ping and put when the directory is gone', async () => {
      await rm(root, { recursive: true, force: true });
      const pinged = await store.ping().catch((error: unknown) => error);
      expect(pinged).toBeInstanceOf(ThumbsmithError);
      expect((pinged as ThumbsmithError).code).toBe('TS_STORAGE_UNAVAILABLE');
      const put = await store
        .put('originals/img_a', { buffer: Buffer.from('a') }, { contentType: 'image/png' })
        .catch((error: unknown) => error);
      expect((put as ThumbsmithError).code).toBe('TS_STORAGE_UNAVAILABLE');
      await expect(stat(root)).rejects.toThrow();
    });

    it('maps a failure of the write side to TS_STORAGE_UNAVAILABLE, not to the source stream', async () => {
      // A file where the temp directory should be: opening the temp file fails (ENOTDIR) while the source is fine.
      await rm(path.join(root, '.tmp'), { recursive: true });
      await writeFile(path.join(root, '.tmp'), 'in the way');
      const source = Readable.from([Buffer.alloc(100_000, 1), Buffer.alloc(100_000, 2)], { objectMode: false });
      const error = await store
        .put('originals/img_a', { stream: source }, { contentType: 'image/png' })
        .catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ThumbsmithError);
      expect((error as ThumbsmithError).code).toBe('TS_STORAGE_UNAVAILABLE');
      expect(source.destroyed).toBe(true);
      expect(await store.stat('originals/img_a')).toBeUndefined();
    });

    it('answers TS_INTERNAL, not a storage fault, when a source file does not exist', async () => {
      const error = await store
        .put('originals/img_a', { path: path.join(dir, 'nope.bin') }, { contentType: 'image/png' })
        .catch((reason: unknown) => reason);
      expect((error as ThumbsmithError).code).toBe('TS_INTERNAL');
      expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    });
  });
});
