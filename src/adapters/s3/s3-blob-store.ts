import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertValidKey, assertValidPrefix } from '../../domain/blob-keys.js';
import { ThumbsmithError, toThumbsmithError } from '../../domain/errors.js';
import type { BlobInfo, BlobSource, BlobStore } from '../../ports/blob-store.js';
import { s3Error } from './s3-errors.js';

/** Multipart part size; at most `PART_SIZE * QUEUE_SIZE` bytes of one upload are in memory. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** Listing stops after this many pages even if the server keeps saying "truncated" (10 million keys). */
const MAX_LIST_PAGES = 10_000;

export interface S3BlobStoreOptions {
  /** Built by the composition root (see `createS3Client`); the store owns it from now on and destroys it on close. */
  client: S3Client;
  bucket: string;
  /**
   * Namespace inside the bucket: keys are stored as `<prefix>/<key>`. A missing trailing slash is added.
   * @defaultValue '' (the bucket root)
   */
  prefix?: string;
  /**
   * Total time `ping` may take, retries included. Readiness calls a store slower than 2 s "slow", not down; this is
   * when it gives up on it.
   * @defaultValue 10000
   */
  pingTimeoutMs?: number;
}

export function createS3BlobStore(options: S3BlobStoreOptions): S3BlobStore {
  return new S3BlobStore(options);
}

/**
 * BlobStore on any S3-compatible service. A single PUT or a completed multipart upload is atomic in S3, so readers
 * never see a partial object, and a put whose source fails never completes (an unfinished multipart upload is aborted).
 * Buffers and files up to 8 MB go up in one PutObject with a known length; larger files and streams go through
 * lib-storage's `Upload` in 8 MB parts, each a buffer, so the SDK can retry any request.
 */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #pingTimeoutMs: number;

  constructor(options: S3BlobStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = normalisePrefix(options.prefix ?? '');
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 10_000;
  }

  /**
   * Uploads the whole source or nothing. A stream source's own error is rethrown unchanged; on any failure a stream
   * source is destroyed.
   */
  async put(key: string, source: BlobSource, options: { contentType: string }): Promise<BlobInfo> {
    try {
      assertValidKey(key);
    } catch (error) {
      if ('stream' in source) source.stream.destroy();
      throw error;
    }
    const target = { Bucket: this.#bucket, Key: this.#prefix + key, ContentType: options.contentType };
    if ('buffer' in source) {
      await this.#putBuffer(target, source.buffer, key);
      return { bytes: source.buffer.length, contentType: options.contentType };
    }
    if ('path' in source) {
      const bytes = await this.#putFile(target, source.path, key);
      return { bytes, contentType: options.contentType };
    }
    try {
      const bytes = await this.#upload(target, source.stream, key);
      return { bytes, contentType: options.contentType };
    } catch (error) {
      source.stream.destroy();
      throw error instanceof SourceStreamFailure ? error.error : error;
    }
  }

  /**
   * The object's body as it streams from S3; throws `TS_BLOB_MISSING` before returning when the key is absent. A
   * failure while the body streams (the connection reset mid-download) is a catalogue error too, like one of the
   * request, so a reader that meets it sees the storage outage it is.
   */
  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    try {
      const output = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      if (!(output.Body instanceof Readable)) throw new ThumbsmithError('TS_INTERNAL', 'S3 returned no body stream');
      const body = output.Body;
      const mapped = new PassThrough();
      body.once('error', (error) => mapped.destroy(s3Error(error, 'get', key)));
      // A reader that stops early destroys `mapped`: the socket must go with it.
      mapped.once('close', () => body.destroy());
      return body.pipe(mapped);
    } catch (error) {
      if (isNoSuchKey(error)) throw missing(key);
      throw s3Error(error, 'get', key);
    }
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    assertValidKey(key);
    try {
      const output = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      return { bytes: output.ContentLength ?? 0, contentType: output.ContentType };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw s3Error(error, 'stat', key);
    }
  }

  /** Idempotent: S3 answers a delete of a missing key with success. */
  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
    } catch (error) {
      throw s3Error(error, 'delete', key);
    }
  }

  /** ListObjectsV2, page after page (1000 keys each). */
  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    let token: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      let output: ListObjectsV2CommandOutput;
      try {
        output = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ContinuationToken: token }),
        );
      } catch (error) {
        throw s3Error(error, 'list', prefix);
      }
      for (const object of output.Contents ?? []) {
        if (object.Key?.startsWith(this.#prefix)) yield object.Key.slice(this.#prefix.length);
      }
      // A server that says "truncated" without a new token would loop forever: stop instead.
      if (!output.IsTruncated || !output.NextContinuationToken || output.NextContinuationToken === token) return;
      token = output.NextContinuationToken;
    }
  }

  /** Throws `TS_STORAGE_UNAVAILABLE` unless HeadBucket answers within `pingTimeoutMs`. */
  async ping(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }), {
        abortSignal: AbortSignal.timeout(this.#pingTimeoutMs),
      });
    } catch (error) {
      // Whatever the reason (network, credentials, no such bucket), the store cannot serve us.
      const mapped = s3Error(error, 'ping', 'the bucket');
      throw mapped.code === 'TS_STORAGE_UNAVAILABLE'
        ? mapped
        : new ThumbsmithError('TS_STORAGE_UNAVAILABLE', mapped.detail, { cause: error });
    }
  }

  /** Destroys the client (and its sockets). */
  async close(): Promise<void> {
    this.#client.destroy();
  }

  async #putBuffer(target: PutTarget, body: Buffer, key: string): Promise<void> {
    try {
      await this.#client.send(new PutObjectCommand({ ...target, Body: body, ContentLength: body.length }));
    } catch (error) {
      throw s3Error(error, 'put', key);
    }
  }

  async #putFile(target: PutTarget, file: string, key: string): Promise<number> {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      throw new ThumbsmithError('TS_INTERNAL', 'The source file of a put cannot be read', { cause: error });
    }
    if (size > PART_SIZE) {
      try {
        return await this.#upload(target, createReadStream(file), key);
      } catch (error) {
        if (!(error instanceof SourceStreamFailure)) throw error;
        throw new ThumbsmithError('TS_INTERNAL', 'The source file of a put cannot be read', { cause: error.error });
      }
    }
    // Small files go up as one buffer: a retried request can resend a buffer, not a half-read stream.
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (error) {
      throw toThumbsmithError(error);
    }
    await this.#putBuffer(target, body, key);
    return body.length;
  }

  /**
   * Streams of unknown length: lib-storage cuts them into parts (or sends one PutObject when they fit in one).
   * Throws {@link SourceStreamFailure} when the stream failed, a catalogue error when S3 did.
   */
  async #upload(target: PutTarget, stream: Readable, key: string): Promise<number> {
    let bytes = 0;
    let sourceError: unknown;
    let tearingDown = false;
    // Our own teardown below destroys the source too; only an error it raised before that is the caller's.
    stream.once('error', (error) => {
      if (!tearingDown) sourceError = error;
    });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    const feeding = pipeline(stream, counter);
    // Its failure shows up as the upload's failure (the counter is destroyed with the same error); don't crash on it.
    feeding.catch(() => undefined);
    const upload = new Upload({
      client: this.#client,
      params: { ...target, Body: counter },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      await feeding;
      return bytes;
    } catch (error) {
      tearingDown = true;
      counter.destroy();
      if (sourceError !== undefined) throw new SourceStreamFailure(sourceError);
      throw s3Error(error, 'put', key);
    }
  }
}

/** Marks a failure that started in the caller's stream, so put rethrows the caller's own error unchanged. */
class SourceStreamFailure {
  constructor(readonly error: unknown) {}
}

interface PutTarget {
  Bucket: string;
  Key: string;
  ContentType: string;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** GetObject says `NoSuchKey`; HeadObject has no body, so only `NotFound`. */
function isNoSuchKey(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  return name === 'NoSuchKey' || name === 'NotFound';
}

function missing(key: string): ThumbsmithError {
  return new ThumbsmithError('TS_BLOB_MISSING', `Blob ${key} does not exist`);
}
