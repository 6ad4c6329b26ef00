import type { ColumnType } from 'kysely';
import type { ImageStatus, InputFormat } from '../../domain/image.js';

/**
 * A 64-bit integer column. SQLite hands it back as a number, node-postgres as a string (int8 can exceed 2^53),
 * so reads go through `Number()` in image-row.ts.
 */
export type Int8Column = ColumnType<number | string, number, number>;
export type NullableInt8Column = ColumnType<number | string | null, number | null, number | null>;

/**
 * One row per image. Timestamps are integer epoch milliseconds on both dialects. Variants are a JSON text column so
 * that `markDone` is a single conditional UPDATE (atomic without a transaction, which matters on SQLite where the
 * connection is shared with the job queue) and a listing reads one table.
 */
export interface ImagesTable {
  id: string;
  tenant: string;
  status: ImageStatus;
  /** The original's columns are null (together) only while an upload by URL waits for its fetch (migration 0005). */
  original_key: string | null;
  original_format: InputFormat | null;
  original_width: number | null;
  original_height: number | null;
  original_bytes: NullableInt8Column;
  original_sha256: string | null;
  original_frames: number | null;
  original_filename: string | null;
  /** JSON array of `Variant`; `[]` until the image is done. */
  variants: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  created_at: Int8Column;
  updated_at: Int8Column;
  completed_at: NullableInt8Column;
  /** Added by migration 0003: the upload's webhook URL, if any. */
  callback_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Added by migration 0005: the URL of an upload by URL. */
  source_url: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * One row per live content (a tenant's stored bytes, migration 0003): how many images reference it and which
 * generation of blob keys holds it. Removed when the last reference goes.
 */
export interface ContentsTable {
  tenant: string;
  sha256: string;
  generation: string;
  original_key: string;
  refs: number;
  created_at: Int8Column;
  updated_at: Int8Column;
}

/** One row per worker process (migration 0002): its last contact with the queue. */
export interface WorkerHeartbeatsTable {
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: Int8Column;
  last_seen_at: Int8Column;
  active: number;
  concurrency: number;
}

/** One row per API key (migration 0004): the key's SHA-256, never the key. */
export interface ApiKeysTable {
  id: string;
  tenant: string;
  name: string | null;
  /** Comma-separated scopes. */
  scopes: string;
  hash: string;
  created_at: Int8Column;
  revoked_at: NullableInt8Column;
  last_used_at: NullableInt8Column;
}

/** One row per (tenant, Idempotency-Key) of an upload (migration 0004). */
export interface IdempotencyKeysTable {
  tenant: string;
  key: string;
  request_sha256: string;
  image_id: string | null;
  created_at: Int8Column;
}

/** One row per webhook signing secret of a tenant (migration 0006). */
export interface WebhookSecretsTable {
  id: string;
  tenant: string;
  /** `whsec_<base64>`, as is: the signer needs the key itself. */
  secret: string;
  created_at: Int8Column;
  expires_at: NullableInt8Column;
  revoked_at: NullableInt8Column;
}

/** The tables the metadata store owns. */
export interface MetadataDatabase {
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  images: ImagesTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  contents: ContentsTable;
  webhook_secrets: WebhookSecretsTable;
}
