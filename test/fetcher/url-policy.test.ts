import { describe, expect, it } from 'vitest';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { hostAllowed } from '../../src/domain/host-patterns.js';
import { checkRedirect, checkUrl, redactUrl } from '../../src/fetcher/url-policy.js';

const OPEN = { allowedHosts: undefined, allowLoopback: false };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ThumbsmithError) return error.code;
    throw error;
  }
  return 'passed';
}

describe('checkUrl', () => {
  it.each([
    'ftp://example.com/a.png',
    'file:///etc/passwd',
    'gopher://example.com:70/_x',
    'data:image/png;base64,AAAA',
    'javascript:alert(1)',
    'ws://example.com/',
    'not a url',
    'http://user:pass@example.com/',
    'http://user@example.com/',
    'http://:pass@example.com/',
  ])('refuses %s as a forbidden URL', (url) => {
    expect(codeOf(() => checkUrl(url, OPEN))).toBe('TS_FETCH_FORBIDDEN_URL');
  });

  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://[::ffff:7f00:1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:0:0:1]/', '[::1]'],
    ['http://167772161/', '10.0.0.1'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
  ])(
    'the URL parser normalises %s to %s, which is then blocked (loopback only passes with allowLoopback)',
    (url, host) => {
      expect(new URL(url).hostname).toBe(host);
      expect(codeOf(() => checkUrl(url, OPEN))).toBe('TS_FETCH_BLOCKED_ADDRESS');
      expect(codeOf(() => checkUrl(url, { ...OPEN, allowLoopback: true }))).toBe(
        host === '127.0.0.1' || host === '[::1]' ? 'passed' : 'TS_FETCH_BLOCKED_ADDRESS',
      );
    },
  );

  it.each(['http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/'])(
    'refuses %s without asking DNS',
    (url) => {
      expect(codeOf(() => checkUrl(url, OPEN))).toBe('TS_FETCH_BLOCKED_ADDRESS');
    },
  );

  it('passes public literals and names (names are vetted at connect time)', () => {
    expect(checkUrl('https://8.8.8.8/x.png?sig=1', OPEN).href).toBe('https://8.8.8.8/x.png?sig=1');
    expect(checkUrl('http://images.example.com/a.png', OPEN).hostname).toBe('images.example.com');
  });
});

describe('allow-list', () => {
  const rules = { allowedHosts: ['cdn.example.com', '*.images.test'], allowLoopback: false };

  it.each([
    ['https://cdn.example.com/a.png', 'passed'],
    ['https://CDN.Example.com./a.png', 'passed'],
    ['https://a.images.test/a.png', 'passed'],
    ['https://a.b.images.test/a.png', 'passed'],
    ['https://images.test/a.png', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://evilimages.test/a.png', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://other.example.com/a.png', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://cdn.example.com.evil.test/a.png', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://cdn.example.com@evil.test/a.png', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://evil.test#@cdn.example.com/', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://evil.test?@cdn.example.com/', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://evil.test\\@cdn.example.com/', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://evil.test/cdn.example.com', 'TS_FETCH_FORBIDDEN_URL'],
    ['https://8.8.8.8/a.png', 'TS_FETCH_FORBIDDEN_URL'],
  ])('%s -> %s', (url, expected) => {
    expect(codeOf(() => checkUrl(url, rules))).toBe(expected);
  });

  it('matches whole labels only', () => {
    expect(hostAllowed('x.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('xexample.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('example.com', ['example.com'])).toBe(true);
    expect(hostAllowed('www.example.com', ['example.com'])).toBe(false);
  });
});

describe('checkRedirect', () => {
  const current = new URL('https://cdn.example.com/a/b.png?x=1');

  it('resolves relative locations', () => {
    expect(checkRedirect('../c.png', current, OPEN).href).toBe('https://cdn.example.com/c.png');
    expect(checkRedirect('//other.example.com/d.png', current, OPEN).href).toBe('https://other.example.com/d.png');
  });

  it('allows http -> https and refuses every other scheme change', () => {
    expect(checkRedirect('https://x.example.com/', new URL('http://cdn.example.com/'), OPEN).protocol).toBe('https:');
    expect(codeOf(() => checkRedirect('http://cdn.example.com/', current, OPEN))).toBe('TS_FETCH_FORBIDDEN_URL');
    expect(codeOf(() => checkRedirect('ftp://cdn.example.com/', current, OPEN))).toBe('TS_FETCH_FORBIDDEN_URL');
    expect(codeOf(() => checkRedirect('file:///etc/passwd', current, OPEN))).toBe('TS_FETCH_FORBIDDEN_URL');
  });

  it('applies the same rules to the target', () => {
    expect(codeOf(() => checkRedirect('https://user:pw@cdn.example.com/', current, OPEN))).toBe(
      'TS_FETCH_FORBIDDEN_URL',
    );
    expect(codeOf(() => checkRedirect('https://169.254.169.254/', current, OPEN))).toBe('TS_FETCH_BLOCKED_ADDRESS');
    expect(codeOf(() => checkRedirect('https://[::1]/', current, OPEN))).toBe('TS_FETCH_BLOCKED_ADDRESS');
  });
});

describe('redactUrl', () => {
  it('drops query, fragment and credentials', () => {
    expect(redactUrl(new URL('https://u:p@cdn.example.com:8443/a.png?token=secret#f'))).toBe(
      'https://cdn.example.com:8443/a.png',
    );
  });
});
