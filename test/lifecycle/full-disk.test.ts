import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/adapters/fs/fs-blob-store.js';
import { toDatabaseError } from '../../src/adapters/sql/database-errors.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { upload, uploadOk, waitForFinal } from '../support/http.js';
import { waitFor } from '../support/wait.js';
import { filesUnder, withService } from './support.js';

/**
 * A full disk, for real: DATA_DIR on a small tmpfs (root may mount one here; elsewhere the suite is skipped), filled
 * by a file. What must hold: an upload that meets ENOSPC answers 503 TS_STORAGE_FULL with Retry-After and leaves no
 * temp file, row or blob; below MIN_FREE_DISK_MB uploads are refused before a byte is written and /readyz says so;
 * freeing space brings everything back without a restart.
 */
const mounts: string[] = [];

/** A fresh tmpfs of `sizeMb`, or undefined when this sandbox may not mount one. */
function mountTmpfs(sizeMb: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'thumbsmith-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmdirSync(dir);
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

const probe = mountTmpfs(1);
const canMount = probe !== undefined;

afterAll(() => {
  for (const dir of mounts) {
    execFileSync('umount', [dir]);
    rmdirSync(dir);
  }
});

/** Fills the filesystem of `dir` until `leaveBytes` are free (bounded: it writes at most what statfs says is free). */
async function fill(dir: string, name: string, leaveBytes: number): Promise<string> {
  const path = join(dir, name);
  const stats = await statfs(dir);
  let rest = stats.bavail * stats.bsize - leaveBytes;
  const chunk = Buffer.alloc(1024 * 1024, 1);
  const handle = await open(path, 'w');
  try {
    while (rest > 0) {
      const { bytesWritten } = await handle.write(chunk, 0, Math.min(chunk.length, rest));
      rest -= bytesWritten;
    }
  } catch (error) {
    // Filling to the last byte ends in ENOSPC: exactly what the caller asked for.
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return path;
}

/** A valid PNG of about 3.5 MB (noise does not compress). */
function noisyPng(): Promise<Buffer> {
  return sharp({
    create: {
      width: 1100,
      height: 1100,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

function tableCount(dataDir: string, table: 'images' | 'contents'): number {
  const db = new Database(join(dataDir, 'thumbsmith.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function expectStorageFull(response: Response): Promise<{ detail: string }> {
  const body = (await response.json()) as { code: string; detail: string };
  expect({ status: response.status, code: body.code }).toEqual({ status: 503, code: 'TS_STORAGE_FULL' });
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  return body;
}

describe.runIf(canMount)('a full disk (DATA_DIR on a tmpfs)', () => {
  it('an upload meeting ENOSPC answers 503 TS_STORAGE_FULL and leaves no temp file, row or blob', async () => {
    const dataDir = mountTmpfs(32) as string;
    const image = await noisyPng();
    await withService({ dataDir, env: { MIN_FREE_DISK_MB: '0' } }, async (service) => {
      const filler = await fill(dataDir, 'filler', 512 * 1024);
      const body = await expectStorageFull(await upload(service.url, image, { filename: 'big.png' }));
      expect(body.detail).not.toContain(dataDir);
      expect(await filesUnder(join(dataDir, 'tmp'))).toEqual([]);
      expect(await filesUnder(join(dataDir, 'blobs', 'content'))).toEqual([]);
      expect(tableCount(dataDir, 'images')).toBe(0);
      expect(tableCount(dataDir, 'contents')).toBe(0);

      await rm(filler);
      const accepted = await uploadOk(service.url, image, 'big.png');
      expect((await waitForFinal(service.url, accepted.id)).status).toBe('done');
    });
  });

  it('below MIN_FREE_DISK_MB uploads are refused before spooling and /readyz is not ready, until space is freed', async () => {
    const dataDir = mountTmpfs(32) as string;
    await withService({ dataDir, env: { MIN_FREE_DISK_MB: '8' } }, async (service) => {
      const readiness = async () => {
        const response = await fetch(`${service.url}/readyz`);
        const body = (await response.json()) as { checks: { disk?: { ok: boolean; freeMb: number; code?: string } } };
        return { status: response.status, disk: body.checks.disk };
      };
      expect(await readiness()).toMatchObject({ status: 200, disk: { ok: true } });

      const filler = await fill(dataDir, 'filler', 4 * 1024 * 1024);
      const low = await waitFor(
        'readiness to report the low disk',
        async () => {
          const answer = await readiness();
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 10_000 },
      );
      expect(low.disk).toMatchObject({ ok: false, code: 'TS_STORAGE_FULL' });
      expect(low.disk?.freeMb).toBeLessThan(8);
      // A small upload that would fit is refused all the same: the floor keeps the disk from filling at all.
      await expectStorageFull(await upload(service.url, Buffer.from('tiny'), { filename: 'tiny.png' }));
      expect(await filesUnder(join(dataDir, 'tmp'))).toEqual([]);

      await rm(filler);
      await waitFor('readiness to recover', async () => (await readiness()).status === 200, {
        timeoutMs: 10_000,
      });
      const accepted = await uploadOk(service.url, await noisyPng(), 'after.png');
      expect((await waitForFinal(service.url, accepted.id)).status).toBe('done');
    });
  });

  it('the blob store and SQLite classify their real ENOSPC / SQLITE_FULL as TS_STORAGE_FULL', async () => {
    const dir = mountTmpfs(2) as string;
    const blobs = await createFsBlobStore(join(dir, 'blobs'));
    await fill(dir, 'filler', 0);
    const put = await blobs
      .put(
        'content/full/original',
        { buffer: Buffer.alloc(256 * 1024, 7) },
        {
          contentType: 'application/octet-stream',
        },
      )
      .catch((error: unknown) => error);
    expect(put).toBeInstanceOf(ThumbsmithError);
    expect((put as ThumbsmithError).code).toBe('TS_STORAGE_FULL');
    expect(await filesUnder(join(dir, 'blobs'))).toEqual([]);

    await rm(join(dir, 'filler'));
    const db = new Database(join(dir, 'full.db'));
    try {
      db.exec('create table t (data blob)');
      await fill(dir, 'filler', 0);
      let thrown: unknown;
      try {
        // Bounded: the disk holds at most 2 MB, each row is 64 KiB.
        for (let row = 0; row < 100; row += 1) db.prepare('insert into t values (?)').run(Buffer.alloc(65536, row));
      } catch (error) {
        thrown = error;
      }
      expect((thrown as { code?: string }).code).toBe('SQLITE_FULL');
      const mapped = toDatabaseError(thrown, 'MetadataStore.createImage');
      expect(mapped.code).toBe('TS_STORAGE_FULL');
      expect(mapped.extensions.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});

describe.skipIf(canMount)('a full disk', () => {
  it.skip('needs a tmpfs mount (root); this sandbox refuses it', () => undefined);
});
