import type { Scope } from '../domain/api-keys.js';

/** One API key as stored: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  /** Public key id (the key's prefix): safe to list and log. */
  readonly id: string;
  readonly tenant: string;
  readonly name: string | null;
  readonly scopes: readonly Scope[];
  /** SHA-256 of the whole key, hex. */
  readonly hash: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export type NewApiKey = Omit<ApiKeyRecord, 'revokedAt' | 'lastUsedAt'>;

/** Where API keys live (the metadata database, table `api_keys`). */
export interface KeyStore {
  /** Stores a new key; its id must be new. */
  create(key: NewApiKey): Promise<ApiKeyRecord>;
  /** The key with this id, revoked or not; `undefined` when unknown. */
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, oldest first, revoked ones included. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when it is unknown or already revoked. */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Records a successful use (best effort, for `keys list`). */
  touch(id: string, at: Date): Promise<void>;
  /** True when at least one key is not revoked: then every `/v1` route needs a key. */
  anyActive(): Promise<boolean>;
  /** Releases what the store itself opened (not the borrowed connection). */
  close(): Promise<void>;
}
