import { timingSafeEqual } from 'node:crypto';
import { hashKey, keyIdOf, type Scope } from '../domain/api-keys.js';
import type { KeyStore } from '../ports/key-store.js';

/** A key that passed verification: whose requests these are and what they may do. */
export interface VerifiedKey {
  readonly id: string;
  readonly tenant: string;
  readonly scopes: readonly Scope[];
}

export interface ApiKeyVerifierOptions {
  /** How long the "does any key exist" answer is reused (default 1 s). */
  activeCacheMs?: number;
  now?: () => number;
}

/** A key's `last_used_at` is written at most this often, so reads do not each cost a database write. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Who may call the API: while no key exists (or every key is revoked) nobody needs one; once one exists, a request
 * is let in only with a known, unrevoked key. The HTTP layer finds the token and answers; the decisions are here.
 */
export class ApiKeyVerifier {
  readonly #keys: KeyStore;
  readonly #now: () => number;
  readonly #activeCacheMs: number;
  #active: { value: boolean; at: number } | undefined;
  readonly #touchedAt = new Map<string, number>();

  constructor(keys: KeyStore, options: ApiKeyVerifierOptions = {}) {
    this.#keys = keys;
    this.#now = options.now ?? Date.now;
    this.#activeCacheMs = options.activeCacheMs ?? 1000;
  }

  /** True when requests need a key: at least one is not revoked (asked of the store at most once per cache period). */
  async keysRequired(): Promise<boolean> {
    const now = this.#now();
    if (!this.#active || now - this.#active.at >= this.#activeCacheMs) {
      this.#active = { value: await this.#keys.anyActive(), at: now };
    }
    return this.#active.value;
  }

  /** The key `token` is, or `undefined` when it is malformed, unknown or revoked (all alike, to the caller). */
  async verify(token: string): Promise<VerifiedKey | undefined> {
    const id = keyIdOf(token);
    const key = id === undefined ? undefined : await this.#keys.get(id);
    const given = Buffer.from(hashKey(token), 'hex');
    // Compared in constant time, and hashed even when no key was found, so timing tells nothing about the key.
    const matches = key !== undefined && timingSafeEqual(given, Buffer.from(key.hash, 'hex'));
    if (!key || !matches || key.revokedAt !== null) return undefined;
    return { id: key.id, tenant: key.tenant, scopes: key.scopes };
  }

  /** Records that a verified key was used (for `keys list`), at most once a minute per key; best effort. */
  async recordUse(keyId: string): Promise<void> {
    const now = this.#now();
    if (now - (this.#touchedAt.get(keyId) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.#touchedAt.set(keyId, now);
    await this.#keys.touch(keyId, new Date(now));
  }
}
