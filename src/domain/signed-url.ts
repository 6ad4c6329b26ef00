import { createHmac, timingSafeEqual } from 'node:crypto';

/** One HMAC key; several may be configured so keys can be rotated (sign with the first, accept any). */
export interface SigningKey {
  readonly id: string;
  readonly secret: Buffer;
}

export type SignatureCheck = 'valid' | 'missing' | 'expired' | 'unknown-key' | 'bad-signature';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `SIGNING_KEYS`: `kid:secret[,kid:secret…]`, secrets of at least 32 characters. */
export function parseSigningKeys(raw: string): { keys: SigningKey[]; errors: string[] } {
  const keys: SigningKey[] = [];
  const errors: string[] = [];
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (colon < 1 || !KEY_ID.test(id))
      errors.push(`SIGNING_KEYS: "${id || entry.slice(0, 8)}…" needs the form kid:secret`);
    else if (secret.length < 32) errors.push(`SIGNING_KEYS: the secret of key "${id}" must be at least 32 characters`);
    else if (keys.some((k) => k.id === id)) errors.push(`SIGNING_KEYS: key id "${id}" appears twice`);
    else keys.push(Object.freeze({ id, secret: Buffer.from(secret, 'utf8') }));
  }
  return { keys, errors };
}

const payload = (path: string, expires: number, keyId: string) => `${keyId}\n${expires}\n${path}`;

const mac = (key: SigningKey, path: string, expires: number) =>
  createHmac('sha256', key.secret)
    .update(payload(path, expires, key.id))
    .digest('base64url');

/**
 * Signs a path (no query) until `expires` (unix seconds): returns the query string `exp=…&kid=…&sig=…`.
 * The signature covers the key id, the expiry and the exact path, so none can be changed without the key.
 */
export function signPath(path: string, expires: number, key: SigningKey): string {
  return `exp=${expires}&kid=${encodeURIComponent(key.id)}&sig=${mac(key, path, expires)}`;
}

/** Checks a signed path in constant time with respect to the signature. */
export function verifyPath(
  path: string,
  query: { exp?: string; kid?: string; sig?: string },
  keys: readonly SigningKey[],
  nowSeconds: number,
): SignatureCheck {
  if (query.sig === undefined || query.exp === undefined || query.kid === undefined) return 'missing';
  const expires = Number(query.exp);
  if (!/^\d{1,12}$/.test(query.exp) || expires < nowSeconds) return 'expired';
  const key = keys.find((k) => k.id === query.kid);
  if (!key) return 'unknown-key';
  const expected = Buffer.from(mac(key, path, expires));
  const given = Buffer.from(query.sig);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'bad-signature';
}
