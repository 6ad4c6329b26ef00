import { describe, expect, it } from 'vitest';
import {
  assertValidKey,
  assertValidPrefix,
  BLOB_KEY_MAX_LENGTH,
  isValidKey,
  originalKey,
  variantKey,
  variantPrefix,
} from '../../src/domain/blob-keys.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { newImageId } from '../../src/domain/ids.js';
import { DEFAULT_PRESETS, FILE_EXTENSIONS, withVersion } from '../../src/domain/preset.js';

describe('blob keys', () => {
  it('derives original and variant keys from real ids and preset versions', () => {
    const id = newImageId();
    const preset = withVersion(DEFAULT_PRESETS[0]!);
    expect(originalKey(id)).toBe(`originals/${id}`);
    const key = variantKey(id, preset.name, preset.version, FILE_EXTENSIONS.webp);
    expect(key).toBe(`variants/${id}/small-${preset.version}.webp`);
    expect(key.startsWith(variantPrefix(id))).toBe(true);
    expect(isValidKey(key)).toBe(true);
  });

  it.each([
    ['an upper-case preset name', () => variantKey('img_a', 'Small', 'v1', 'jpg')],
    ['a slash in a preset name', () => variantKey('img_a', 'a/b', 'v1', 'jpg')],
    ['a dot-dot image id', () => originalKey('..')],
    ['a hidden extension', () => variantKey('img_a', 'small', 'v1', '.jpg')],
    ['an empty version', () => variantKey('img_a', 'small', '', 'jpg')],
  ])('refuses to derive a key from %s', (_name, derive) => {
    expect(derive).toThrow(ThumbsmithError);
  });

  it('rejects invalid keys with TS_INVALID_BLOB_KEY, a server error (500) that is not retried', () => {
    const error = (() => {
      try {
        assertValidKey('../etc/passwd');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ThumbsmithError);
    expect((error as ThumbsmithError).code).toBe('TS_INVALID_BLOB_KEY');
    expect((error as ThumbsmithError).status).toBe(500);
    expect((error as ThumbsmithError).retryable).toBe(false);
  });

  it('accepts keys up to 512 characters and segments up to 255', () => {
    const longest = `${'a'.repeat(255)}/${'b'.repeat(254)}/c`;
    expect(longest.length).toBe(BLOB_KEY_MAX_LENGTH);
    expect(isValidKey(longest)).toBe(true);
    expect(isValidKey(`${longest}d`)).toBe(false);
    expect(isValidKey('a'.repeat(255))).toBe(true);
    expect(isValidKey('a'.repeat(256))).toBe(false);
  });

  it.each(['a', 'a/b', 'a-b_c.d/e', 'variants/img_x/small-0123abcd.jpg'])('accepts %j', (key) => {
    expect(isValidKey(key)).toBe(true);
  });

  it.each(['', '/a', 'a/', 'a//b', '..', 'a/../b', 'a..b', './a', 'a/.b', 'A', 'a b', 'a\\b', 'ä', 'a\nb'])(
    'rejects %j',
    (key) => {
      expect(isValidKey(key)).toBe(false);
      expect(() => assertValidKey(key)).toThrow(ThumbsmithError);
    },
  );

  it('accepts list prefixes with one trailing slash, or none, or the empty prefix', () => {
    for (const prefix of ['', 'a', 'a/', 'variants/img_x/', 'variants/img_x/sm']) {
      expect(() => assertValidPrefix(prefix)).not.toThrow();
    }
    for (const prefix of ['/', 'a//', '../', '/a', 'A/']) {
      expect(() => assertValidPrefix(prefix)).toThrow(ThumbsmithError);
    }
  });
});
