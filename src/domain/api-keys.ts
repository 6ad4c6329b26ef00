import { createHash, randomBytes } from 'node:crypto';

export const SCOPES = ['upload', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const TENANT = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const KEY_FORMAT = /^ts_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  /** The whole key, shown once and never stored. */
  readonly key: string;
  /** Public identifier (the key's prefix), safe to list and log. */
  readonly id: string;
  /** SHA-256 of the whole key, hex: what is stored. Keys are 256-bit random, so a fast hash is enough. */
  readonly hash: string;
}

/** A new API key: `ts_<id>_<secret>` with 256 bits of randomness in the secret. */
export function issueKey(): IssuedKey {
  const id = randomBytes(5).toString('hex').slice(0, 8);
  const key = `ts_${id}_${randomBytes(32).toString('base64url')}`;
  return { key, id, hash: hashKey(key) };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key id of a well-formed key, `undefined` for anything else (checked before any lookup). */
export function keyIdOf(key: string): string | undefined {
  return KEY_FORMAT.exec(key)?.[1];
}

export function isTenantName(name: string): boolean {
  return TENANT.test(name);
}

/** `admin` implies every scope. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}

export function parseScopes(raw: string): Scope[] | undefined {
  const scopes = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0 || !scopes.every((s): s is Scope => (SCOPES as readonly string[]).includes(s)))
    return undefined;
  return [...new Set(scopes)];
}
