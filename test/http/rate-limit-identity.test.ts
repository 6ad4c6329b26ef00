import { describe, expect, it } from 'vitest';
import { clientAddressKey } from '../../src/http/rate-limit.js';

describe('the address a client is rate-limited under', () => {
  it('is an IPv4 address as it is, also when it comes IPv4-mapped', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('is the /64 of an IPv6 address, however it is spelled: a host rotating inside its /64 shares one count', () => {
    const keys = ['2001:db8:1:2::1', '2001:DB8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002:0:0:0:abcd'].map(
      clientAddressKey,
    );
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(keys[0]);
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('keeps anything else as it is (never throws on an odd socket address)', () => {
    expect(clientAddressKey('')).toBe('');
    expect(clientAddressKey('not-an-address')).toBe('not-an-address');
    expect(clientAddressKey('fe80::1%eth0')).toMatch(/^fe80:0:0:0::\/64$|^fe80::1%eth0$/);
  });
});
