import { randomBytes } from 'node:crypto';
import { createWriteStream, constants as fsConstants } from 'node:fs';
import {
  access,
  copyFile,
  type FileHandle,
  link,
  mkdir,
  open,
  opendir,
  readdir,
  rename,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, assertValidPrefix } from '../../domain/blob-keys.js';
import { isStorageFull, storageFullError } from '../../domain/dependency-errors.js';
import { ThumbsmithError, toThumbsmithError } from '../../domain/errors.js';
import type { BlobInfo, BlobSource, BlobStore } from '../../ports/blob-store.js';

/** Temp files of puts live here, inside the root, so the final rename never crosses filesystems. */
const TEMP_DIR = '.tmp';
/** A temp file untouched this long belongs to a put that crashed. */
const DEFAULT_STALE_TEMP_MS = 60 * 60 * 1000;
/** A concurrent delete may prune the target's parent directory between our mkdir and rename; try again this often. */
const RENAME_ATTEMPTS = 5;

export interface FsBlobStoreOptions {
  /**
   * Temp files older than this are deleted when the store is created (leftovers of puts that crashed).
   * @defaultValue 3_600_000 (one hour)
   */
  staleTempMs?: number;
}

/**
 * Creates the root (and its temp directory) and returns a store on it, after deleting stale temp files.
 * @param root Directory holding the blobs, e.g. `./data/blobs`.
 */
export async function createFsBlobStore(root: string, options: FsBlobStoreOptions = {}): Promise<FsBlobStore> {
  const absolute = path.resolve(root);
  await mkdir(path.join(absolute, TEMP_DIR), { recursive: true });
  const store = new FsBlobStore(absolute);
  await store.sweepTemp(options.staleTempMs ?? DEFAULT_STALE_TEMP_MS);
  return store;
}

/**
 * BlobStore on a local directory: one file per key at `<root>/<key>`.
 * A put writes `<root>/.tmp/<random>`, fsyncs it, renames it into place and fsyncs the directory, so readers see the
 * whole old file or the whole new one and a crash leaves at most a temp file. Content types are not stored: `stat`
 * answers `contentType: undefined` (the metadata rows keep them).
 */
export class FsBlobStore implements BlobStore {
  readonly #root: string;
  readonly #tempDir: string;

  constructor(root: string) {
    this.#root = root;
    this.#tempDir = path.join(root, TEMP_DIR);
  }

  /** Absolute path of the root directory. */
  get root(): string {
    return this.#root;
  }

  /**
   * Atomic write through a temp file and a rename. A stream source's own error is rethrown unchanged; on any failure
   * the temp file is removed and a stream source is destroyed.
   */
  async put(key: string, source: BlobSource, _options: { contentType: string }): Promise<BlobInfo> {
    try {
      assertValidKey(key);
    } catch (error) {
      if ('stream' in source) source.stream.destroy();
      throw error;
    }
    const target = this.#pathOf(key);
    const temp = path.join(this.#tempDir, `${randomBytes(12).toString('hex')}.tmp`);
    try {
      const bytes = await writeTemp(temp, source);
      await this.#moveIntoPlace(temp, target);
      return { bytes, contentType: undefined };
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if ('stream' in source) source.stream.destroy();
      if (error instanceof SourceStreamFailure) throw error.error;
      throw fsError(error, 'put', key);
    }
  }

  /** Opens the file before answering, so a missing blob throws `TS_BLOB_MISSING` here rather than on the stream. */
  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    let handle: FileHandle;
    try {
      handle = await open(this.#pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw missing(key);
      throw fsError(error, 'get', key);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw missing(key);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw fsError(error, 'get', key);
    }
    // The open descriptor keeps reading the version we opened, even if a put renames a new one over it.
    return handle.createReadStream();
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    assertValidKey(key);
    try {
      const info = await stat(this.#pathOf(key));
      return info.isFile() ? { bytes: info.size, contentType: undefined } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw fsError(error, 'stat', key);
    }
  }

  /** Idempotent. Also removes parent directories the delete left empty (never the root). */
  async delete(key: string): Promise<void> {
    assertValidKey(key);
    const target = this.#pathOf(key);
    try {
      await unlink(target);
    } catch (error) {
      if (isMissing(error) || errnoOf(error) === 'EISDIR') return;
      throw fsError(error, 'delete', key);
    }
    await this.#pruneEmptyParents(path.dirname(target));
  }

  /** Walks the directories under the prefix; matches by string like S3 (`a/b` also lists `a/bc/d`). */
  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const namePart = prefix.slice(slash + 1);
    try {
      yield* this.#walk(dirPart, namePart);
    } catch (error) {
      throw fsError(error, 'list', prefix);
    }
  }

  localPath(key: string): string {
    assertValidKey(key);
    return this.#pathOf(key);
  }

  /** Throws `TS_STORAGE_UNAVAILABLE` unless the root and its temp directory are writable. */
  async ping(): Promise<void> {
    try {
      await access(this.#root, fsConstants.W_OK);
      await access(this.#tempDir, fsConstants.W_OK);
    } catch (error) {
      throw new ThumbsmithError('TS_STORAGE_UNAVAILABLE', 'The blob directory is not writable', {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    // Nothing to release: every operation closes its own files.
  }

  /**
   * Deletes temp files not modified for `olderThanMs` (puts that crashed). Temp files of puts in progress are
   * younger, because every write touches them.
   * @returns the number of files deleted.
   */
  async sweepTemp(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let deleted = 0;
    for (const name of await readdir(this.#tempDir).catch(() => [] as string[])) {
      const file = path.join(this.#tempDir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs > cutoff) continue;
      try {
        await unlink(file);
        deleted += 1;
      } catch {
        // Gone already (another process swept it): nothing to do.
      }
    }
    return deleted;
  }

  #pathOf(key: string): string {
    // assertValidKey has ruled out `..`, absolute paths and hidden segments, so this stays under the root.
    return path.join(this.#root, key);
  }

  async #moveIntoPlace(temp: string, target: string): Promise<void> {
    const dir = path.dirname(target);
    for (let attempt = 1; ; attempt += 1) {
      await mkdir(dir, { recursive: true });
      try {
        await rename(temp, target);
        break;
      } catch (error) {
        // ENOENT here means a concurrent delete pruned `dir` after our mkdir (the temp file is ours and still there).
        if (errnoOf(error) !== 'ENOENT' || attempt >= RENAME_ATTEMPTS) throw error;
      }
    }
    await syncDirectory(dir);
  }

  async #pruneEmptyParents(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.#root + path.sep) && current !== this.#root) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (ENOTEMPTY), already gone or busy: stop at the first directory that stays
      }
      current = path.dirname(current);
    }
  }

  async *#walk(dirPart: string, namePart: string): AsyncGenerator<string> {
    let dir: Awaited<ReturnType<typeof opendir>>;
    try {
      dir = await opendir(path.join(this.#root, dirPart));
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for await (const entry of dir) {
      // Skips the temp directory and anything else no valid key could name.
      if (entry.name.startsWith('.') || !entry.name.startsWith(namePart)) continue;
      const relative = `${dirPart}${entry.name}`;
      if (entry.isDirectory()) yield* this.#walk(`${relative}/`, '');
      else if (entry.isFile()) yield relative;
    }
  }
}

/** Writes the source into a fresh temp file and fsyncs it; answers the byte count. */
async function writeTemp(temp: string, source: BlobSource): Promise<number> {
  if ('path' in source) {
    try {
      await (source.frozen ? linkOrCopy(source.path, temp) : copy(source.path, temp));
    } catch (error) {
      // ENOENT names the source even when the temp directory is what is missing, so look at the source itself.
      if (isMissing(error) && !(await exists(source.path))) {
        throw new ThumbsmithError('TS_INTERNAL', 'The source file of a put does not exist', { cause: error });
      }
      throw error;
    }
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }
  if ('buffer' in source) {
    await writeFile(temp, source.buffer, { flag: 'wx', flush: true });
    return source.buffer.length;
  }
  // `flush` fsyncs before close, and pipeline settles only after the close.
  const sink = createWriteStream(temp, { flags: 'wx', flush: true });
  await pipeSource(source.stream, sink);
  return sink.bytesWritten;
}

function copy(from: string, to: string): Promise<void> {
  // FICLONE makes a copy-on-write clone where the filesystem can (btrfs, xfs), a plain copy elsewhere.
  return copyFile(from, to, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE);
}

/**
 * A file that is never written again (an upload's spool file) becomes the blob through a hard link: no copy of the
 * bytes, no second copy in the page cache to write back. The caller deleting its own name later leaves the blob's.
 * Copies when the file is on another filesystem or the filesystem has no hard links.
 */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') {
      throw error;
    }
    await copy(from, to);
  }
}

/** Marks a failure that started in the caller's stream, so put rethrows the caller's own error unchanged. */
class SourceStreamFailure {
  constructor(readonly error: unknown) {}
}

/**
 * pipeline() destroys every stream with the first error, so the source also emits a failure of the sink (a full
 * disk); only an error the source raised before the sink failed is the source's own.
 */
async function pipeSource(source: Readable, sink: Writable): Promise<void> {
  let sinkFailed = false;
  let sourceError: unknown;
  sink.once('error', () => {
    sinkFailed = true;
  });
  source.once('error', (error) => {
    if (!sinkFailed) sourceError = error;
  });
  try {
    await pipeline(source, sink);
  } catch (error) {
    throw sourceError === undefined ? error : new SourceStreamFailure(sourceError);
  }
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** fsync on the directory makes the rename itself durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function missing(key: string): ThumbsmithError {
  return new ThumbsmithError('TS_BLOB_MISSING', `Blob ${key} does not exist`);
}

/**
 * A full disk is `TS_STORAGE_FULL`; other filesystem failures (permissions, I/O) mean the storage cannot serve us.
 * Both are retryable.
 */
function fsError(error: unknown, operation: string, key: string): ThumbsmithError {
  if (error instanceof ThumbsmithError) return error;
  if (isStorageFull(error)) return storageFullError(error, `Blob ${operation} of ${key}`);
  const code = errnoOf(error);
  // System errors carry a syscall; Node's own ERR_* codes (e.g. a prematurely closed stream) are not storage faults.
  if (code !== undefined && typeof (error as NodeJS.ErrnoException).syscall === 'string') {
    return new ThumbsmithError('TS_STORAGE_UNAVAILABLE', `Blob ${operation} of ${key} failed: ${code}`, {
      cause: error,
    });
  }
  return toThumbsmithError(error);
}
