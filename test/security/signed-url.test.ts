import { describe, expect, it } from 'vitest';
import { parseSigningKeys, signPath, verifyPath } from '../../src/domain/signed-url.js';

const { keys } = parseSigningKeys(`k1:${'a'.repeat(32)},k2:${'b'.repeat(40)}`);
const [k1, k2] = keys as [NonNullable<(typeof keys)[0]>, NonNullable<(typeof keys)[0]>];
const path = '/v1/images/img_0000000000000000000000000a/thumbnails/small';
const now = 1_800_000_000;

const query = (signed: string) => Object.fromEntries(new URLSearchParams(signed)) as Record<string, string>;

describe('signed URLs', () => {
  it('accepts its own signature until it expires, with any configured key', () => {
    expect(verifyPath(path, query(signPath(path, now + 60, k1)), keys, now)).toBe('valid');
    expect(verifyPath(path, query(signPath(path, now + 60, k2)), keys, now)).toBe('valid');
    expect(verifyPath(path, query(signPath(path, now - 1, k1)), keys, now)).toBe('expired');
  });

  it('rejects tampering with the path, the expiry, the key id or the signature', () => {
    const q = query(signPath(path, now + 60, k1));
    expect(verifyPath(`${path}x`, q, keys, now)).toBe('bad-signature');
    expect(verifyPath(path, { ...q, exp: String(now + 3600) }, keys, now)).toBe('bad-signature');
    expect(verifyPath(path, { ...q, kid: 'k2' }, keys, now)).toBe('bad-signature');
    expect(verifyPath(path, { ...q, kid: 'k9' }, keys, now)).toBe('unknown-key');
    expect(verifyPath(path, { ...q, sig: `${q.sig!.slice(0, -1)}A` }, keys, now)).toBe('bad-signature');
    expect(verifyPath(path, { ...q, sig: 'short' }, keys, now)).toBe('bad-signature');
    expect(verifyPath(path, { exp: q.exp, kid: q.kid }, keys, now)).toBe('missing');
  });

  it('rejects a signature made with another secret under the same key id', () => {
    const { keys: other } = parseSigningKeys(`k1:${'z'.repeat(32)}`);
    expect(verifyPath(path, query(signPath(path, now + 60, other[0]!)), keys, now)).toBe('bad-signature');
  });

  it('validates the key configuration', () => {
    expect(parseSigningKeys('k1:short').errors[0]).toMatch(/at least 32/);
    expect(parseSigningKeys(`bad key:${'a'.repeat(32)}`).errors[0]).toMatch(/kid:secret/);
    expect(parseSigningKeys(`k1:${'a'.repeat(32)},k1:${'b'.repeat(32)}`).errors[0]).toMatch(/twice/);
  });
});
