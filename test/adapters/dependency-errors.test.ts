import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { s3Error } from '../../src/adapters/s3/s3-errors.js';
import { toDatabaseError } from '../../src/adapters/sql/database-errors.js';
import { isStorageFull } from '../../src/domain/dependency-errors.js';
import { toThumbsmithError } from '../../src/domain/errors.js';
import { freePort } from '../support/ports.js';

/**
 * Classification of real failures, each produced for real on loopback (no hand-made error objects): which catalogue
 * code, and a detail that names no address or path.
 */
describe('dependency error classification', () => {
  it('a refused Postgres connection is TS_DATABASE_UNAVAILABLE and its detail names no address', async () => {
    const port = await freePort();
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x', connectionTimeoutMillis: 2000 });
    const thrown = await client.connect().catch((error: unknown) => error);
    expect(String((thrown as Error).message)).toContain(`127.0.0.1:${port}`);
    const mapped = toDatabaseError(thrown, 'MetadataStore.getImage');
    expect(mapped.code).toBe('TS_DATABASE_UNAVAILABLE');
    expect(mapped.detail).not.toContain('127.0.0.1');
    expect(mapped.detail).not.toContain(String(port));
    expect(mapped.detail).toContain('ECONNREFUSED');
    // The logs keep the whole story.
    expect(mapped.cause).toBe(thrown);
  });

  it('ENOSPC from a real write (/dev/full) is a full disk', async () => {
    const thrown = await writeFile('/dev/full', Buffer.alloc(4096)).catch((error: unknown) => error);
    expect((thrown as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(isStorageFull(thrown)).toBe(true);
    expect(isStorageFull(new Error('wrapped', { cause: thrown }))).toBe(true);
    expect(isStorageFull(new Error('ENOSPC in a message is not a code'))).toBe(false);
  });

  it('a connection reset or hung up by S3 is TS_STORAGE_UNAVAILABLE, however it is wrapped', async () => {
    // A server that accepts and resets at once: the client sees `socket hang up` / ECONNRESET.
    const server = createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const thrown = await new Promise<unknown>((resolve) => {
        const outgoing = request({ host: '127.0.0.1', port, path: '/bucket/key' }, () => resolve(undefined));
        outgoing.on('error', resolve);
        outgoing.end();
      });
      expect(thrown).toBeInstanceOf(Error);
      for (const error of [thrown, new Error('S3 request failed', { cause: thrown })]) {
        const mapped = s3Error(error, 'get', 'content/a/b/original');
        expect(mapped.code).toBe('TS_STORAGE_UNAVAILABLE');
        expect(mapped.detail).not.toContain(String(port));
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an unexpected error becomes TS_INTERNAL with a generic detail, its message kept only in the cause', () => {
    const thrown = new Error("ENOENT: no such file or directory, open '/srv/thumbsmith/data/tmp/original-1'");
    const mapped = toThumbsmithError(thrown);
    expect(mapped.code).toBe('TS_INTERNAL');
    expect(mapped.detail).not.toContain('/srv');
    expect(mapped.cause).toBe(thrown);
  });
});
