import { describe, expect, it } from 'vitest';
import { plainStatus, plainWords } from '../../src/client/plain-words.js';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/domain/errors.js';

describe('error codes in plain words (CLI and web page)', () => {
  it('has words for every catalogue code (add them to src/client/plain-words.ts with a new code)', () => {
    const missing = ERROR_CODES.filter((code) => plainWords(code, '\u0000') === '\u0000');
    expect(missing).toEqual([]);
  });

  it('says something other than the machine title, in a sentence', () => {
    for (const code of ERROR_CODES) {
      const words = plainWords(code);
      expect(words, code).toMatch(/^[A-Z].*\.$/);
      expect(words, code).not.toContain('TS_');
      expect(words.length, code).toBeLessThan(120);
    }
    expect(plainWords('TS_UNSUPPORTED_MEDIA')).toBe('This file is not an image.');
    expect(ERROR_CATALOGUE.TS_UNSUPPORTED_MEDIA.title).not.toBe(plainWords('TS_UNSUPPORTED_MEDIA'));
  });

  it('says what the server accepts when it refused bytes that are not an accepted image', () => {
    expect(plainWords('TS_UNSUPPORTED_MEDIA', 'The bytes are not an image', ['jpeg', 'png', 'webp', 'heif'])).toBe(
      'This file is not an image. This server accepts JPEG, PNG, WebP, HEIF/HEIC.',
    );
    expect(plainWords('TS_UNSUPPORTED_FORMAT', undefined, ['jpeg', 'svg'])).toBe(
      'This image format is not supported. This server accepts JPEG, SVG.',
    );
    // Only those two refusals; a list on another code is not the server's word about formats.
    expect(plainWords('TS_IMAGE_CORRUPT', undefined, ['jpeg'])).toBe(plainWords('TS_IMAGE_CORRUPT'));
  });

  it('falls back to the server detail, then to a generic line; statuses without a document are described', () => {
    expect(plainWords('TS_SOMETHING_NEW', 'The detail.')).toBe('The detail.');
    expect(plainWords(undefined)).toBe('Something went wrong.');
    expect(plainStatus(401)).toBe('An API key is needed, or the key was not accepted.');
    expect(plainStatus(502)).toBe('The server answered with an error (502); try again shortly.');
  });
});
