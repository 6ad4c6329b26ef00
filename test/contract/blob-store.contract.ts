import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThumbsmithError } from '../../src/domain/errors.js';
import type { BlobStore } from '../../src/ports/blob-store.js';

export interface BlobStoreFixture {
  store: BlobStore;
  cleanup(): Promise<void>;
  /**
   * Whether `put`/`stat` report the content type given to `put` (S3) or `undefined` (fs: the metadata rows keep it).
   * @defaultValue false
   */
  storesContentType?: boolean;
  /** What puts left behind outside the keys (fs: temp files); omitted where the backend cannot tell. */
  leftovers?(): Promise<string[]>;
}

const MiB = 1024 * 1024;
const INVALID_KEYS = [
  '../x',
  '/abs',
  'A B',
  '',
  'a//b',
  'a/',
  'a/../b',
  './a',
  '.tmp/x',
  'a\\b',
  `${'x'.repeat(255)}/${'y'.repeat(255)}/z`, // 513 characters
  `variants/${'z'.repeat(256)}`,
];

/** The behaviour every BlobStore adapter must show; each adapter's test file calls this with its own fixture. */
export function describeBlobStoreContract(name: string, makeStore: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;
    let scratch: string;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      scratch = await mkdtemp(path.join(os.tmpdir(), 'thumbsmith-blob-contract-'));
    });

    afterEach(async () => {
      await fixture.cleanup();
      await rm(scratch, { recursive: true, force: true });
    });

    const expectedType = (contentType: string) => (fixture.storesContentType ? contentType : undefined);

    describe('put and get', () => {
      it('round-trips a buffer, and put answers what stat answers', async () => {
        const bytes = randomBytes(70_001);
        const info = await store.put('originals/img_buffer', { buffer: bytes }, { contentType: 'image/jpeg' });
        expect(info).toEqual({ bytes: 70_001, contentType: expectedType('image/jpeg') });
        expect(await store.stat('originals/img_buffer')).toEqual(info);
        expect(await sha256Of(await store.get('originals/img_buffer'))).toBe(sha256(bytes));
      });

      it('round-trips an empty buffer', async () => {
        const info = await store.put(
          'variants/img_empty/small-1.png',
          { buffer: Buffer.alloc(0) },
          { contentType: 'image/png' },
        );
        expect(info.bytes).toBe(0);
        expect((await store.stat('variants/img_empty/small-1.png'))?.bytes).toBe(0);
        expect((await readAll(await store.get('variants/img_empty/small-1.png'))).length).toBe(0);
      });

      it('round-trips a file path, copying it (later changes to the file do not reach the blob)', async () => {
        const bytes = randomBytes(300_000);
        const file = path.join(scratch, 'upload.bin');
        await writeFile(file, bytes);
        const info = await store.put('originals/img_path', { path: file }, { contentType: 'image/png' });
        expect(info).toEqual({ bytes: 300_000, contentType: expectedType('image/png') });
        await writeFile(file, randomBytes(10));
        expect(await sha256Of(await store.get('originals/img_path'))).toBe(sha256(bytes));
      });

      it('takes a frozen file path whose file the caller then deletes (a spool file), byte for byte', async () => {
        const bytes = randomBytes(300_000);
        const file = path.join(scratch, 'spool.bin');
        await writeFile(file, bytes);
        const info = await store.put(
          'originals/img_frozen',
          { path: file, frozen: true },
          { contentType: 'image/png' },
        );
        expect(info).toEqual({ bytes: 300_000, contentType: expectedType('image/png') });
        await rm(file);
        expect(await store.stat('originals/img_frozen')).toEqual(info);
        expect(await sha256Of(await store.get('originals/img_frozen'))).toBe(sha256(bytes));
      });

      it('round-trips a file path larger than one 8 MB multipart part', async () => {
        const bytes = randomBytes(9 * MiB + 17);
        const file = path.join(scratch, 'large.bin');
        await writeFile(file, bytes);
        const info = await store.put('originals/img_large_path', { path: file }, { contentType: 'image/tiff' });
        expect(info.bytes).toBe(bytes.length);
        expect(await sha256Of(await store.get('originals/img_large_path'))).toBe(sha256(bytes));
      });

      it('round-trips a 12 MB stream of unknown length byte for byte', async () => {
        const bytes = randomBytes(12 * MiB + 4321);
        const info = await store.put(
          'originals/img_stream',
          { stream: chunked(bytes, 64 * 1024) },
          { contentType: 'image/webp' },
        );
        expect(info).toEqual({ bytes: bytes.length, contentType: expectedType('image/webp') });
        expect(await store.stat('originals/img_stream')).toEqual(info);
        expect(await sha256Of(await store.get('originals/img_stream'))).toBe(sha256(bytes));
      });

      it('round-trips a small stream', async () => {
        const bytes = Buffer.from('a small thumbnail');
        await store.put('variants/img_s/small-1.webp', { stream: chunked(bytes, 5) }, { contentType: 'image/webp' });
        expect((await readAll(await store.get('variants/img_s/small-1.webp'))).toString()).toBe('a small thumbnail');
      });

      it('round-trips an empty stream', async () => {
        const info = await store.put(
          'variants/img_void/small-1.png',
          { stream: chunked(Buffer.alloc(0), 1) },
          { contentType: 'image/png' },
        );
        expect(info.bytes).toBe(0);
        expect((await store.stat('variants/img_void/small-1.png'))?.bytes).toBe(0);
      });

      it('replaces the blob when the same key is put again, also with fewer bytes', async () => {
        const first = randomBytes(200_000);
        const second = randomBytes(1_000);
        await store.put('originals/img_twice', { buffer: first }, { contentType: 'image/png' });
        await store.put('originals/img_twice', { stream: chunked(second, 333) }, { contentType: 'image/jpeg' });
        expect(await store.stat('originals/img_twice')).toEqual({
          bytes: 1_000,
          contentType: expectedType('image/jpeg'),
        });
        expect(await sha256Of(await store.get('originals/img_twice'))).toBe(sha256(second));
      });

      it('ends concurrent puts of one key with exactly one of the blobs, whole', async () => {
        const candidates = Array.from({ length: 8 }, () => randomBytes(4096));
        await Promise.all(
          candidates.map((buffer, index) =>
            index % 2 === 0
              ? store.put('variants/img_race/small-1.jpg', { buffer }, { contentType: 'image/jpeg' })
              : store.put(
                  'variants/img_race/small-1.jpg',
                  { stream: chunked(buffer, 1000) },
                  { contentType: 'image/jpeg' },
                ),
          ),
        );
        const stored = await sha256Of(await store.get('variants/img_race/small-1.jpg'));
        expect(candidates.map(sha256)).toContain(stored);
        expect(await collect(store.list('variants/img_race/'))).toEqual(['variants/img_race/small-1.jpg']);
        if (fixture.leftovers) expect(await fixture.leftovers()).toEqual([]);
      });
    });

    describe('a failing stream source', () => {
      it('rejects with the source error itself and leaves nothing behind', async () => {
        const failure = new Error('client went away');
        await expect(
          store.put(
            'originals/img_fail',
            { stream: failingAfter(randomBytes(3 * MiB), failure) },
            { contentType: 'image/png' },
          ),
        ).rejects.toBe(failure);
        expect(await store.stat('originals/img_fail')).toBeUndefined();
        await expectCode(store.get('originals/img_fail'), 'TS_BLOB_MISSING');
        expect(await collect(store.list(''))).toEqual([]);
        if (fixture.leftovers) expect(await fixture.leftovers()).toEqual([]);
      });

      it('leaves nothing when it fails after more than one multipart part', async () => {
        const failure = new Error('upload aborted at 9 MB');
        await expect(
          store.put(
            'originals/img_fail_big',
            { stream: failingAfter(randomBytes(9 * MiB), failure) },
            { contentType: 'image/png' },
          ),
        ).rejects.toBe(failure);
        expect(await store.stat('originals/img_fail_big')).toBeUndefined();
        expect(await collect(store.list(''))).toEqual([]);
        if (fixture.leftovers) expect(await fixture.leftovers()).toEqual([]);
      });

      it('keeps the previous blob whole when a replacing put fails', async () => {
        const original = randomBytes(50_000);
        await store.put('originals/img_keep', { buffer: original }, { contentType: 'image/png' });
        const failure = new Error('broken pipe upstream');
        await expect(
          store.put(
            'originals/img_keep',
            { stream: failingAfter(randomBytes(100_000), failure) },
            { contentType: 'image/png' },
          ),
        ).rejects.toBe(failure);
        expect((await store.stat('originals/img_keep'))?.bytes).toBe(50_000);
        expect(await sha256Of(await store.get('originals/img_keep'))).toBe(sha256(original));
      });
    });

    describe('missing keys and delete', () => {
      it('answers TS_BLOB_MISSING from get and undefined from stat', async () => {
        await expectCode(store.get('originals/img_never'), 'TS_BLOB_MISSING');
        expect(await store.stat('originals/img_never')).toBeUndefined();
      });

      it('treats a key that is only a prefix of other keys as missing', async () => {
        await store.put('variants/img_dir/small-1.jpg', { buffer: Buffer.from('x') }, { contentType: 'image/jpeg' });
        await expectCode(store.get('variants/img_dir'), 'TS_BLOB_MISSING');
        expect(await store.stat('variants/img_dir')).toBeUndefined();
        await store.delete('variants/img_dir');
        expect(await store.stat('variants/img_dir/small-1.jpg')).toEqual({
          bytes: 1,
          contentType: expectedType('image/jpeg'),
        });
      });

      it('deletes, and deleting again or deleting what never existed is not an error', async () => {
        await store.put(
          'variants/img_del/small-1.jpg',
          { buffer: Buffer.from('gone soon') },
          { contentType: 'image/jpeg' },
        );
        await store.put(
          'variants/img_del/large-1.jpg',
          { buffer: Buffer.from('stays') },
          { contentType: 'image/jpeg' },
        );
        await store.delete('variants/img_del/small-1.jpg');
        expect(await store.stat('variants/img_del/small-1.jpg')).toBeUndefined();
        await expectCode(store.get('variants/img_del/small-1.jpg'), 'TS_BLOB_MISSING');
        await store.delete('variants/img_del/small-1.jpg');
        await store.delete('originals/img_never_existed');
        expect(await collect(store.list('variants/img_del/'))).toEqual(['variants/img_del/large-1.jpg']);
        // The directory-like parent may be cleaned up by the store, but a new put under it must still work.
        await store.delete('variants/img_del/large-1.jpg');
        await store.put('variants/img_del/small-2.jpg', { buffer: Buffer.from('back') }, { contentType: 'image/jpeg' });
        expect(await collect(store.list('variants/img_del/'))).toEqual(['variants/img_del/small-2.jpg']);
      });
    });

    describe('list', () => {
      const keys = [
        'originals/img_a',
        'originals/img_b',
        'variants/img_a/small-v1.jpg',
        'variants/img_a/large-v1.webp',
        'variants/img_ab/small-v1.jpg',
        'variants/img_b/small-v1.jpg',
      ];

      beforeEach(async () => {
        await Promise.all(
          keys.map((key) => store.put(key, { buffer: Buffer.from(key) }, { contentType: 'image/jpeg' })),
        );
      });

      it('lists every key under a prefix, and only those', async () => {
        expect(await collect(store.list('variants/img_a/'))).toEqual([
          'variants/img_a/large-v1.webp',
          'variants/img_a/small-v1.jpg',
        ]);
        expect(await collect(store.list('originals/'))).toEqual(['originals/img_a', 'originals/img_b']);
        expect(await collect(store.list(''))).toEqual([...keys].sort());
        expect(await collect(store.list('nothing/'))).toEqual([]);
      });

      it('matches prefixes by string, like S3 (not by whole path segment)', async () => {
        expect(await collect(store.list('variants/img_a'))).toEqual([
          'variants/img_a/large-v1.webp',
          'variants/img_a/small-v1.jpg',
          'variants/img_ab/small-v1.jpg',
        ]);
        expect(await collect(store.list('variants/img_b/small'))).toEqual(['variants/img_b/small-v1.jpg']);
        expect(await collect(store.list('orig'))).toEqual(['originals/img_a', 'originals/img_b']);
      });

      it('no longer lists a deleted key', async () => {
        await store.delete('variants/img_ab/small-v1.jpg');
        expect(await collect(store.list('variants/'))).toEqual([
          'variants/img_a/large-v1.webp',
          'variants/img_a/small-v1.jpg',
          'variants/img_b/small-v1.jpg',
        ]);
      });
    });

    describe('keys', () => {
      it.each(INVALID_KEYS)('rejects the key %j with TS_INVALID_BLOB_KEY everywhere', async (key) => {
        const stream = chunked(Buffer.from('never stored'), 4);
        await expectCode(store.put(key, { stream }, { contentType: 'image/png' }), 'TS_INVALID_BLOB_KEY');
        expect(stream.destroyed).toBe(true);
        await expectCode(
          store.put(key, { buffer: Buffer.from('x') }, { contentType: 'image/png' }),
          'TS_INVALID_BLOB_KEY',
        );
        await expectCode(store.get(key), 'TS_INVALID_BLOB_KEY');
        await expectCode(store.stat(key), 'TS_INVALID_BLOB_KEY');
        await expectCode(store.delete(key), 'TS_INVALID_BLOB_KEY');
        if (store.localPath) expect(() => store.localPath?.(key)).toThrow(ThumbsmithError);
        expect(await collect(store.list(''))).toEqual([]);
      });

      it('rejects list prefixes that could escape', async () => {
        for (const prefix of ['../', '/', '/abs', 'A', 'a//']) {
          await expectCode(collect(store.list(prefix)), 'TS_INVALID_BLOB_KEY');
        }
      });

      it('accepts the longest valid key (512 characters)', async () => {
        // Short last segment: s3rver appends `._S3rver_object` to it on disk.
        const key = `variants/${'k'.repeat(255)}/${'v'.repeat(200)}/${'w'.repeat(46)}`;
        expect(key.length).toBe(512);
        await store.put(key, { buffer: Buffer.from('long') }, { contentType: 'image/png' });
        expect((await store.stat(key))?.bytes).toBe(4);
      });
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out.sort();
}

/** A byte stream with no length attached (like an upload body), in chunks of `size`. */
function chunked(bytes: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
    })(),
    { objectMode: false },
  );
}

/** Streams `bytes` in 64 KB chunks, then fails with `error` (a client that disconnects mid-upload). */
function failingAfter(bytes: Buffer, error: Error): Readable {
  return Readable.from(
    (async function* () {
      for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
        yield bytes.subarray(offset, offset + 64 * 1024);
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw error;
    })(),
    { objectMode: false },
  );
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ThumbsmithError);
  expect((error as ThumbsmithError).code).toBe(code);
}
