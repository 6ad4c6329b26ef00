import { createHash } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { isStorageFull, storageFullError } from '../domain/dependency-errors.js';
import { ThumbsmithError } from '../domain/errors.js';
import { tempFilePath } from './temp-files.js';

export interface SpooledFile {
  path: string;
  bytes: number;
  sha256: string;
  /** The first bytes, for sniffing the type. */
  head: Buffer;
  remove(): Promise<void>;
}

const HEAD_BYTES = 4100;

/**
 * Received bytes are written in batches of this size. A socket read brings 64 KiB at most, and each write is a trip
 * through libuv's thread pool that costs the event loop more than the copy; batching saved about 2 CPU ms per 2 MB
 * upload against a write stream (bench/README.md). It also bounds what one upload holds in memory.
 */
const WRITE_BATCH_BYTES = 256 * 1024;

/**
 * Streams an upload to a temp file, counting bytes as they arrive (a `Content-Length` is never trusted) and hashing
 * them, so that neither the size limit nor the hash needs the whole upload in memory. On any failure the temp file is
 * gone before the error reaches the caller, and the source is destroyed; a full disk is `TS_STORAGE_FULL`.
 */
export async function spoolToTempFile(
  source: NodeJS.ReadableStream,
  dir: string,
  maxBytes: number,
): Promise<SpooledFile> {
  const path = tempFilePath(dir, 'upload');
  const remove = () => rm(path, { force: true });
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'wx');
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // Pulling one chunk at a time is the backpressure: the source waits while a batch is written.
    for await (const received of source) {
      const chunk = typeof received === 'string' ? Buffer.from(received) : received;
      bytes += chunk.length;
      if (bytes > maxBytes) {
        throw new ThumbsmithError('TS_UPLOAD_TOO_LARGE', `The upload exceeds the limit of ${maxBytes} bytes.`, {
          extensions: { limit: maxBytes },
        });
      }
      if (headBytes < HEAD_BYTES) {
        const part = chunk.subarray(0, HEAD_BYTES - headBytes);
        head.push(Buffer.from(part));
        headBytes += part.length;
      }
      hash.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_BATCH_BYTES) {
        await writeAll(handle, pending);
        pending = [];
        pendingBytes = 0;
      }
    }
    await writeAll(handle, pending);
    await handle.close();
  } catch (error) {
    // Leaving the loop early has destroyed the source already.
    await handle?.close().catch(() => undefined);
    await remove();
    throw isStorageFull(error) ? storageFullError(error, 'Receiving the upload') : error;
  }
  return { path, bytes, sha256: hash.digest('hex'), head: Buffer.concat(head), remove };
}

/**
 * Writes the chunks with one `writev`: joining them first would allocate a fresh 256 KiB buffer per batch, which
 * glibc maps and unmaps each time. A short write (a filling disk) goes on with the rest, which then fails or fits.
 */
async function writeAll(handle: FileHandle, chunks: readonly Buffer[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    let done = 0;
    while (done < rest.length && bytesWritten >= rest[done]!.length) bytesWritten -= rest[done++]!.length;
    rest = done < rest.length ? [rest[done]!.subarray(bytesWritten), ...rest.slice(done + 1)] : [];
  }
}
