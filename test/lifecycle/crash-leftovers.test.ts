import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/adapters/fs/fs-blob-store.js';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { createSqliteMetadataStore } from '../../src/adapters/sqlite/sqlite-metadata-store.js';
import { contentOriginalKey, newContentGeneration, parseContentKey } from '../../src/domain/content-keys.js';
import { ContentBlobs } from '../../src/service/content-blobs.js';
import { tempFilePath } from '../../src/service/temp-files.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { download, uploadOk, waitForFinal } from '../support/http.js';
import { startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { filesUnder, jpeg, runCli, slowPng, tempDataDirs, withService } from './support.js';

/**
 * What a killed process leaves behind, and who cleans it: temp files of dead processes go at the next start and with
 * every sweep (never a live process's); a content reference taken by an upload that died before its row was written
 * goes, with its blobs, at the next sweep once older than GC_REFERENCE_GRACE_SECONDS — not at the hourly collection.
 */
const newDataDir = tempDataDirs();
const logger = createLogger({ level: 'silent', format: 'json' });

/** Starts a multipart upload on a raw socket and sends only the first `bytes` of the file; the socket stays open. */
function startSlowUpload(url: string, bytes: Buffer): { close(): void } {
  const { port } = new URL(url);
  const boundary = 'thumbsmith-crash-test';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\n\r\n`;
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `POST /v1/images HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${head.length + bytes.length * 4}\r\n\r\n${head}`,
  );
  socket.write(bytes);
  return { close: () => socket.destroy() };
}

/** Temp files in DATA_DIR/tmp. */
const tempFiles = (dataDir: string) => readdir(join(dataDir, 'tmp'));

/** Waits until a spool file of an upload in progress exists in DATA_DIR/tmp, and answers its name. */
function spoolFile(dataDir: string): Promise<string> {
  return waitFor(
    'the upload to be spooling',
    async () => (await tempFiles(dataDir)).find((name) => name.startsWith('upload-')),
    { timeoutMs: 15_000 },
  );
}

interface Leftovers {
  /** `contents` rows no image row references. */
  unreferencedContents: string[];
  /** `contents` rows whose original blob is missing. */
  contentsWithoutOriginal: string[];
  /** Blobs under `content/` whose generation has no `contents` row. */
  blobsWithoutRow: string[];
}

/** Looks at the database and the blob directory directly, as an operator would. */
async function leftovers(dataDir: string): Promise<Leftovers> {
  const db = new Database(join(dataDir, 'thumbsmith.db'), { readonly: true, fileMustExist: true });
  let contents: Array<{ generation: string; original_key: string; images: number }>;
  try {
    contents = db
      .prepare(
        `select c.generation, c.original_key,
           (select count(*) from images i where i.tenant = c.tenant and i.original_key = c.original_key) as images
         from contents c`,
      )
      .all() as typeof contents;
  } finally {
    db.close();
  }
  const blobs = join(dataDir, 'blobs');
  const keys = (await filesUnder(join(blobs, 'content'))).map((file) => `content/${file}`);
  const generations = new Set(contents.map((row) => row.generation));
  return {
    unreferencedContents: contents.filter((row) => row.images === 0).map((row) => row.original_key),
    contentsWithoutOriginal: contents
      .filter((row) => !existsSync(join(blobs, row.original_key)))
      .map((row) => row.original_key),
    blobsWithoutRow: keys.filter((key) => !generations.has(parseContentKey(key)?.generation ?? '')),
  };
}

const NOTHING_LEFT: Leftovers = { unreferencedContents: [], contentsWithoutOriginal: [], blobsWithoutRow: [] };

/**
 * Puts the state an API killed mid-upload leaves, with the real adapters on the service's own files: one reference
 * whose original was stored (killed after the put), one whose original was never written (killed before it).
 */
async function leakReferences(dataDir: string, seed: number): Promise<string[]> {
  const sqlite = openSqliteDatabase(join(dataDir, 'thumbsmith.db'));
  const metadata = await createSqliteMetadataStore(sqlite);
  const blobs = await createFsBlobStore(join(dataDir, 'blobs'));
  try {
    const bytes = await jpeg(seed);
    const file = join(dataDir, `leak-${seed}.jpg`);
    await writeFile(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const stored = await new ContentBlobs({ contents: metadata.contents, blobs, logger }).acquire('default', sha256, {
      path: file,
    });
    const neverWritten = contentOriginalKey('e'.repeat(63) + (seed % 10), newContentGeneration());
    const parsed = parseContentKey(neverWritten) as { sha256: string; generation: string };
    await metadata.contents.acquireContent({ tenant: 'default', ...parsed, originalKey: neverWritten }, new Date());
    return [stored.originalKey, neverWritten];
  } finally {
    await metadata.close();
    sqlite.close();
  }
}

describe('crash leftovers', () => {
  it('temp files of a killed API go at the next start and with `thumbsmith sweep`; a live process keeps its own', async () => {
    const dataDir = await newDataDir();
    const partial = (await slowPng(1, 1500)).subarray(0, 512 * 1024);

    const first = await startService({ dataDir });
    const firstUpload = startSlowUpload(first.url, partial);
    const killedSpool = await spoolFile(dataDir);
    await first.stop('SIGKILL');
    firstUpload.close();
    // Files of live processes: this test runner's own (same host, a running pid), and a young one of another host.
    const live = tempFilePath(join(dataDir, 'tmp'), 'upload');
    await writeFile(live, 'in progress');
    const otherHost = join(dataDir, 'tmp', `upload-00000000-1-${Date.now()}-abc`);
    await writeFile(otherHost, 'in progress elsewhere');
    // A worker's copy of an original, left by the same killed process (its name is the spool's, with the other kind).
    const killedCopy = killedSpool.replace(/^upload-/, 'original-');
    await writeFile(join(dataDir, 'tmp', killedCopy), 'copy');
    expect(await tempFiles(dataDir)).toContain(killedSpool);

    const second = await startService({ dataDir });
    try {
      const names = await tempFiles(dataDir);
      expect(names).not.toContain(killedSpool);
      expect(names).not.toContain(killedCopy);
      expect(names.sort()).toEqual([live, otherHost].map((path) => path.slice(join(dataDir, 'tmp').length + 1)).sort());
      expect(second.logs.some((line) => line.msg === 'removed temp files of processes that are gone')).toBe(true);

      const secondUpload = startSlowUpload(second.url, partial);
      const secondSpool = await spoolFile(dataDir);
      await second.stop('SIGKILL');
      secondUpload.close();
      expect(await tempFiles(dataDir)).toContain(secondSpool);
      // No process runs on this DATA_DIR now: only `sweep` can clean it.
      const sweep = await runCli(['sweep'], { DATA_DIR: dataDir });
      expect(sweep.code).toBe(0);
      expect((await tempFiles(dataDir)).sort()).toEqual(
        [live, otherHost].map((path) => path.slice(join(dataDir, 'tmp').length + 1)).sort(),
      );
      // Killed while streaming: nothing had reached the content store.
      expect(await leftovers(dataDir)).toEqual(NOTHING_LEFT);
    } finally {
      await second.stop('SIGKILL');
    }
  });

  it('`thumbsmith sweep` drops references leaked by an upload cut off by a crash, with their blobs, and nothing live', async () => {
    const dataDir = await newDataDir();
    const live = await withService({ dataDir }, async (service) =>
      waitForFinal(service.url, (await uploadOk(service.url, await jpeg(40))).id),
    );
    const [storedKey] = await leakReferences(dataDir, 41);
    const leaked = await leftovers(dataDir);
    expect(leaked.unreferencedContents).toHaveLength(2);
    expect(leaked.contentsWithoutOriginal).toHaveLength(1);
    expect(existsSync(join(dataDir, 'blobs', storedKey as string))).toBe(true);

    // Within the grace an upload may still be putting its original: kept.
    const early = await runCli(['sweep'], { DATA_DIR: dataDir });
    expect(early.stdout).toContain('0 unreferenced content(s)');
    const sweep = await runCli(['sweep'], { DATA_DIR: dataDir, GC_REFERENCE_GRACE_SECONDS: '0' });
    expect(sweep.code).toBe(0);
    expect(sweep.stdout).toContain('2 unreferenced content(s)');
    expect(await leftovers(dataDir)).toEqual(NOTHING_LEFT);
    expect(existsSync(join(dataDir, 'blobs', storedKey as string))).toBe(false);

    await withService({ dataDir }, async (service) => {
      expect((await download(service.url, live.id, 'small')).status).toBe(200);
    });
  });

  it('the periodic sweeper of a running API drops a leaked reference once past its grace, without a full collection', async () => {
    const dataDir = await newDataDir();
    // A grace long enough that both leaked references are still there when counted below, even on a loaded machine.
    const env = { SWEEP_INTERVAL_MS: '200', GC_INTERVAL_MS: '0', GC_REFERENCE_GRACE_SECONDS: '3' };
    await withService({ dataDir, env }, async (service) => {
      const live = await waitForFinal(service.url, (await uploadOk(service.url, await jpeg(50))).id);
      await leakReferences(dataDir, 51);
      expect((await leftovers(dataDir)).unreferencedContents).toHaveLength(2);
      // The row goes first, its blobs right after, and the sweep's log line reaches us through a pipe after both:
      // wait for all three.
      await waitFor(
        'the sweeper to reap the leaked references and their blobs, and to say so',
        async () => {
          const left = await leftovers(dataDir);
          const said = service.logs.some((line) => line.msg === 'leaked content references reaped');
          return said && JSON.stringify(left) === JSON.stringify(NOTHING_LEFT) ? left : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect((await download(service.url, live.id, 'small')).status).toBe(200);
    });
  });

  it('an API killed by SIGKILL as its upload reaches the content store leaves nothing after restart and sweep', async () => {
    const dataDir = await newDataDir();
    const image = await slowPng(3, 1800);
    const service = await startService({ dataDir });
    try {
      const db = new Database(join(dataDir, 'thumbsmith.db'), { readonly: true, fileMustExist: true });
      const pending = uploadOk(service.url, image, 'killed.png').catch((error: unknown) => error);
      try {
        // Kill the moment the reference is taken: the original's put and the row's insert are still to come. Polled
        // every millisecond (bounded), as the window is short.
        await waitFor(
          'the upload to take its content reference',
          () => (db.prepare('select count(*) as n from contents').get() as { n: number }).n > 0,
          { timeoutMs: 30_000, intervalMs: 1 },
        );
      } finally {
        db.close();
      }
      await service.stop('SIGKILL');
      await pending;
    } finally {
      await service.stop('SIGKILL');
    }
    await withService({ dataDir }, async () => undefined);
    const sweep = await runCli(['sweep'], { DATA_DIR: dataDir, GC_REFERENCE_GRACE_SECONDS: '0' });
    expect(sweep.code).toBe(0);
    const left = await leftovers(dataDir);
    // A row that made it before the kill is a complete upload; anything short of that must be gone.
    expect(left).toEqual(NOTHING_LEFT);
    expect(await tempFiles(dataDir)).toEqual([]);
  });
});
