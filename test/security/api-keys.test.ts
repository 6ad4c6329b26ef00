import { describe, expect, it } from 'vitest';
import { hashKey, hasScope, issueKey, keyIdOf, parseScopes } from '../../src/domain/api-keys.js';

describe('API keys', () => {
  it('issues unguessable keys whose id is public and whose hash is stored', () => {
    const a = issueKey();
    const b = issueKey();
    expect(a.key).toMatch(/^ts_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(keyIdOf(a.key)).toBe(a.id);
    expect(a.hash).toBe(hashKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(12));
  });

  it('rejects malformed keys before any lookup', () => {
    for (const bad of [
      '',
      'Bearer x',
      'ts_short_x',
      `ts_ABCDEFGH_${'a'.repeat(43)}`,
      `ts_abcdefgh_${'a'.repeat(42)}`,
    ]) {
      expect(keyIdOf(bad)).toBeUndefined();
    }
  });

  it('checks scopes, admin implying all', () => {
    expect(hasScope(['read'], 'read')).toBe(true);
    expect(hasScope(['read'], 'upload')).toBe(false);
    expect(hasScope(['admin'], 'upload')).toBe(true);
    expect(parseScopes('upload, read')).toEqual(['upload', 'read']);
    expect(parseScopes('upload,write')).toBeUndefined();
    expect(parseScopes('')).toBeUndefined();
  });
});
