import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3BlobStore } from '../../src/adapters/s3/s3-blob-store.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { describeBlobStoreContract } from '../contract/blob-store.contract.js';
import { type S3TestServer, s3ClientFor, startS3Server } from '../support/s3-server.js';
import { adapterEnabled } from '../support/servers.js';

describe.skipIf(!adapterEnabled('s3'))('s3 blob store', () => {
  let server: S3TestServer;

  beforeAll(async () => {
    server = await startS3Server();
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Every store gets its own client and its own prefix in the shared bucket, so tests never see each other's keys. */
  function newStore(prefix = `run-${randomUUID()}`): BlobStore {
    return createS3BlobStore({ client: s3ClientFor(server.endpoint), bucket: server.bucket, prefix });
  }

  describeBlobStoreContract('s3', async () => {
    const store = newStore();
    return { store, storesContentType: true, cleanup: () => store.close() };
  });

  describe('s3 specifics', () => {
    it('lists all of 1100 keys across ListObjectsV2 pages', async () => {
      const store = newStore();
      const keys = Array.from(
        { length: 1100 },
        (_, index) => `variants/img_many/p${String(index).padStart(4, '0')}.jpg`,
      );
      for (let start = 0; start < keys.length; start += 25) {
        await Promise.all(
          keys
            .slice(start, start + 25)
            .map((key) => store.put(key, { buffer: Buffer.from(key) }, { contentType: 'image/jpeg' })),
        );
      }
      await store.put('originals/img_many', { buffer: Buffer.from('not a variant') }, { contentType: 'image/png' });
      const listed: string[] = [];
      for await (const key of store.list('variants/img_many/')) listed.push(key);
      expect(listed).toHaveLength(1100);
      expect(new Set(listed)).toEqual(new Set(keys));
      await store.close();
    });

    it('stores keys under its prefix and sees nothing outside it', async () => {
      const prefix = `iso-${randomUUID()}`;
      const mine = newStore(prefix);
      const other = newStore(`${prefix}-other`);
      await mine.put('originals/img_a', { buffer: Buffer.from('a') }, { contentType: 'image/png' });
      await other.put('originals/img_b', { buffer: Buffer.from('b') }, { contentType: 'image/png' });
      const raw = await server.client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: `${prefix}/` }));
      expect(raw.Contents?.map((object) => object.Key)).toEqual([`${prefix}/originals/img_a`]);
      const listed: string[] = [];
      for await (const key of mine.list('')) listed.push(key);
      expect(listed).toEqual(['originals/img_a']);
      expect(await mine.stat('originals/img_b')).toBeUndefined();
      await mine.close();
      await other.close();
    });

    it('answers ping with TS_STORAGE_UNAVAILABLE when the bucket does not exist', async () => {
      const store = createS3BlobStore({ client: s3ClientFor(server.endpoint), bucket: 'no-such-bucket' });
      await expectUnavailable(store.ping());
      await expectUnavailable(store.put('originals/img_a', { buffer: Buffer.from('a') }, { contentType: 'image/png' }));
      await store.close();
    });
  });

  describe('createS3Client', () => {
    it('sends a streamed PutObject plainly, so the server stores exactly the bytes (no aws-chunked framing)', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'thumbsmith-s3-client-'));
      const client = s3ClientFor(server.endpoint);
      try {
        const file = path.join(dir, 'body.bin');
        const bytes = randomBytes(300_000);
        await writeFile(file, bytes);
        const key = `raw-${randomUUID()}`;
        const put = { Bucket: server.bucket, Key: key, Body: createReadStream(file), ContentLength: bytes.length };
        await client.send(new PutObjectCommand(put));
        const head = await client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
        expect(head.ContentLength).toBe(bytes.length);
        const body = (await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }))).Body as Readable;
        const hash = createHash('sha256');
        for await (const chunk of body) hash.update(chunk as Buffer);
        expect(hash.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
      } finally {
        client.destroy();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('outages', () => {
    it('rejects every operation with TS_STORAGE_UNAVAILABLE when nothing listens (127.0.0.1:1)', async () => {
      const store = createS3BlobStore({ client: s3ClientFor('http://127.0.0.1:1'), bucket: 'thumbsmith-test' });
      const started = Date.now();
      await expectUnavailable(store.ping());
      await expectUnavailable(store.put('originals/img_a', { buffer: Buffer.from('a') }, { contentType: 'image/png' }));
      const source = Readable.from([Buffer.alloc(100_000, 1)], { objectMode: false });
      await expectUnavailable(store.put('originals/img_a', { stream: source }, { contentType: 'image/png' }));
      expect(source.destroyed).toBe(true);
      await expectUnavailable(store.get('originals/img_a'));
      await expectUnavailable(store.stat('originals/img_a'));
      await expectUnavailable(store.delete('originals/img_a'));
      await expectUnavailable(drain(store.list('originals/')));
      console.info(`dead endpoint: seven operations rejected in ${Date.now() - started} ms`);
      await store.close();
    });

    describe('a server that accepts connections and never answers', () => {
      let hung: Server;
      const sockets = new Set<Socket>();
      let endpoint: string;

      beforeAll(async () => {
        hung = createServer((socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        });
        await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
        const address = hung.address();
        endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      });

      afterAll(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => hung.close(resolve));
      });

      it('rejects ping within its deadline and put within its request timeout', async () => {
        const store = createS3BlobStore({
          client: s3ClientFor(endpoint, { connectionTimeoutMs: 1000, requestTimeoutMs: 1000 }),
          bucket: 'thumbsmith-test',
          pingTimeoutMs: 1500,
        });
        let started = Date.now();
        await expectUnavailable(store.ping());
        console.info(`hung endpoint: ping rejected in ${Date.now() - started} ms`);
        started = Date.now();
        await expectUnavailable(
          store.put('originals/img_a', { buffer: Buffer.from('a') }, { contentType: 'image/png' }),
        );
        console.info(`hung endpoint: put rejected in ${Date.now() - started} ms (3 attempts)`);
        await store.close();
      });
    });
  });
});

async function drain(keys: AsyncIterable<string>): Promise<void> {
  for await (const _ of keys) {
    // only the error matters
  }
}

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ThumbsmithError);
  expect((error as ThumbsmithError).code).toBe('TS_STORAGE_UNAVAILABLE');
}
