import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ThumbsmithError } from '../domain/errors.js';

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
 * Streams an upload to a temp file, counting bytes as they arrive (a `Content-Length` is never trusted) and hashing
 * them, so that neither the size limit nor the hash needs the whole upload in memory. On any failure the temp file is
 * gone before the error reaches the caller.
 */
export async function spoolToTempFile(
  source: NodeJS.ReadableStream,
  dir: string,
  maxBytes: number,
): Promise<SpooledFile> {
  const path = join(dir, `upload-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const meter = new Meter(maxBytes);
  const remove = () => rm(path, { force: true });
  try {
    await pipeline(source, meter, createWriteStream(path, { flags: 'wx' }));
  } catch (error) {
    await remove();
    if (meter.exceeded) {
      throw new ThumbsmithError('TS_UPLOAD_TOO_LARGE', `The upload exceeds the limit of ${maxBytes} bytes.`, {
        extensions: { limit: maxBytes },
      });
    }
    throw error;
  }
  return { path, bytes: meter.bytes, sha256: meter.hash.digest('hex'), head: Buffer.concat(meter.head), remove };
}

class Meter extends Transform {
  bytes = 0;
  exceeded = false;
  readonly hash = createHash('sha256');
  readonly head: Buffer[] = [];
  #headBytes = 0;

  constructor(readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      callback(new Error('upload too large'));
      return;
    }
    if (this.#headBytes < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.#headBytes);
      this.head.push(Buffer.from(part));
      this.#headBytes += part.length;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }
}
