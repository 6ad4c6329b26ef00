import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { contentOriginalKey, newContentGeneration } from '../../src/domain/content-keys.js';
import { newImageId } from '../../src/domain/ids.js';
import { uploadOk, waitForFinal } from '../support/http.js';
import { waitFor } from '../support/wait.js';
import { filesUnder, jpeg, runCli, tempDataDirs, withService } from './support.js';

const newDataDir = tempDataDirs();

describe('retention and garbage collection', () => {
  it('the periodic sweeper deletes images past RETENTION_SECONDS with their blobs', async () => {
    const dataDir = await newDataDir();
    await withService({ dataDir, env: { RETENTION_SECONDS: '2', SWEEP_INTERVAL_MS: '300' } }, async (service) => {
      const image = await waitForFinal(service.url, (await uploadOk(service.url, await jpeg(10))).id);
      expect(image.status).toBe('done');
      const contentDir = join(dataDir, 'blobs', 'content', image.original!.sha256);
      expect(await filesUnder(contentDir)).toHaveLength(4);
      const bound = { timeoutMs: 20_000, intervalMs: 50 };
      await waitFor(
        'retention to delete the image',
        async () => (await fetch(`${service.url}/v1/images/${image.id}`)).status === 404,
        bound,
      );
      // The row goes first, its blobs right after (then the log line): wait for the line, then look.
      await waitFor('retention to report', () => service.logs.some((l) => l.msg === 'retention deleted images'), bound);
      expect(await filesUnder(contentDir)).toStrictEqual([]);
    });
  });

  it('`thumbsmith sweep` deletes orphan blobs and leaked contents older than the grace, and nothing live', async () => {
    const dataDir = await newDataDir();
    const live = await withService({ dataDir }, async (service) =>
      waitForFinal(service.url, (await uploadOk(service.url, await jpeg(11))).id),
    );
    const blobs = join(dataDir, 'blobs');
    const twoHoursAgo = Date.now() - 2 * 3600_000;
    const sha = 'c'.repeat(64);
    const put = async (key: string) => {
      await mkdir(join(blobs, key, '..'), { recursive: true });
      await writeFile(join(blobs, key), 'orphan');
    };
    // Crash leftovers: a generation with no content row, old-layout blobs of an image that is gone...
    const deadGeneration = newContentGeneration(twoHoursAgo);
    await put(contentOriginalKey(sha, deadGeneration));
    await put(`content/${sha}/${deadGeneration}/small-abc.jpg`);
    const goneId = newImageId(twoHoursAgo);
    await put(`originals/${goneId}`);
    await put(`variants/${goneId}/small-abc.jpg`);
    // ...a content whose reference leaked (a row, no image), and a fresh orphan still inside the grace period.
    const leakedGeneration = newContentGeneration(twoHoursAgo);
    await put(contentOriginalKey('d'.repeat(64), leakedGeneration));
    const db = new Database(join(dataDir, 'thumbsmith.db'));
    try {
      db.prepare(
        `insert into contents (tenant, sha256, generation, original_key, refs, created_at, updated_at)
         values ('default', ?, ?, ?, 1, ?, ?)`,
      ).run(
        'd'.repeat(64),
        leakedGeneration,
        contentOriginalKey('d'.repeat(64), leakedGeneration),
        twoHoursAgo,
        twoHoursAgo,
      );
    } finally {
      db.close();
    }
    const freshGeneration = newContentGeneration();
    await put(contentOriginalKey(sha, freshGeneration));

    const result = await runCli(['sweep'], { DATA_DIR: dataDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('garbage collected 4 orphan blob(s) and 1 unreferenced content(s)');
    const left = await filesUnder(blobs);
    expect(left).toContain(contentOriginalKey(sha, freshGeneration));
    expect(left.some((f) => f.includes(deadGeneration) || f.includes(goneId) || f.includes(leakedGeneration))).toBe(
      false,
    );
    // The live image's blobs are untouched.
    expect(await filesUnder(join(blobs, 'content', live.original!.sha256))).toHaveLength(4);
    // With retention on, the same command deletes old images too.
    const expire = await runCli(['sweep'], { DATA_DIR: dataDir, RETENTION_SECONDS: '1' });
    expect(expire.stdout).toContain('retention deleted 1 image(s)');
    expect(await filesUnder(join(blobs, 'content', live.original!.sha256))).toStrictEqual([]);
  });
});
