import type { Readable } from 'node:stream';

/**
 * What a put stores. A `path` is copied: later changes to the file do not reach the blob. With `frozen`, the caller
 * promises never to write to the file again (it may still delete it), so a store that keeps files may link it
 * instead of copying it.
 */
export type BlobSource = { path: string; frozen?: boolean } | { stream: Readable } | { buffer: Buffer };

export interface BlobInfo {
  bytes: number;
  contentType: string | undefined;
}

/**
 * Immutable-ish blobs addressed by server-derived keys (`[a-z0-9/._-]`, no `..`).
 * `put` is atomic: a reader sees the whole old blob, the whole new blob, or none, never a partial one; a failed put
 * leaves nothing behind. Putting the same key again replaces it (idempotent retries).
 */
export interface BlobStore {
  put(key: string, source: BlobSource, options: { contentType: string }): Promise<BlobInfo>;
  /** Throws `TS_BLOB_MISSING` when absent. */
  get(key: string): Promise<Readable>;
  /** `undefined` when absent. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Idempotent: deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every key under `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<string>;
  /**
   * A local file path holding the blob, when the store keeps blobs as files (lets libvips read from disk without a
   * copy). `undefined` when the store is remote.
   */
  localPath?(key: string): string;
  /** Throws `TS_STORAGE_UNAVAILABLE` when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
