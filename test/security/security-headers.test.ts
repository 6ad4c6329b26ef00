import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/http/auth.js';
import { thumbnailDisposition } from '../../src/http/security-headers.js';

describe('thumbnailDisposition', () => {
  it('keeps quotes, CR/LF, slashes, backslashes, NUL and non-ASCII out of the header', () => {
    const header = thumbnailDisposition('../../etc/pa"ss\r\nSet-Cookie: a=b\\\0é.png', 'img_1', 'small', 'webp');
    expect(header).toMatch(/^inline; filename="[A-Za-z0-9._-]+-small\.webp"$/);
    expect(header).toContain('filename="etc_pa_ss_Set-Cookie_a_b_');
  });
  it('falls back to the image id when nothing usable is left, and maps formats to extensions', () => {
    expect(thumbnailDisposition(null, 'img_1', 'small', 'jpeg')).toBe('inline; filename="img_1-small.jpg"');
    expect(thumbnailDisposition('日本.gif', 'img_2', 'large', 'avif')).toBe('inline; filename="img_2-large.avif"');
    expect(thumbnailDisposition('x'.repeat(300), 'img_3', 'm', 'png')).toBe(
      `inline; filename="${'x'.repeat(64)}-m.png"`,
    );
  });
});

describe('isLoopbackHost', () => {
  it('only loopback names and addresses count', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '127.0.0.1.nip.io']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
