import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** How an address is treated: `public` may always be reached, `loopback` only with `allowLoopback`, never `blocked`. */
export type AddressClass = 'public' | 'loopback' | 'blocked';

// Global unicast IPv6 is 2000::/3; everything outside it (and the special blocks inside it) stays blocked.
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
// IPv4-compatible IPv6 (deprecated ::a.b.c.d). ipaddr.js calls it `unicast`, so it is refused here explicitly.
const IPV6_IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * Classifies one IP address. Only canonical text forms are accepted (what `dns.lookup` returns and what the WHATWG URL
 * parser produces): dotted-quad IPv4 without leading zeros, or IPv6 (optionally in brackets). Anything else —
 * `127.1`, `0x7f000001`, `2130706433`, garbage — is `blocked`, so an odd form can never slip through as "public".
 */
export function classifyAddress(ip: string): AddressClass {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const version = isIP(text);
  if (version === 4) return classifyIpv4(ipaddr.IPv4.parse(text));
  // A zone id (fe80::1%eth0) only makes sense for link-local addresses, which are blocked anyway.
  if (version === 6 && !text.includes('%')) return classifyIpv6(ipaddr.IPv6.parse(text));
  return 'blocked';
}

/**
 * True when `ip` is a public unicast address that an outbound fetch may connect to: not private, loopback,
 * link-local, CGNAT, multicast, reserved, documentation, benchmarking, unspecified or broadcast, and not an IPv6
 * form that embeds or translates to IPv4 (mapped addresses are unwrapped and judged as IPv4; 6to4, Teredo, NAT64
 * and IPv4-compatible forms are refused outright).
 */
export function isPublicAddress(ip: string): boolean {
  return classifyAddress(ip) === 'public';
}

/** Whether the fetcher may connect to `ip` under the given loopback rule. */
export function isAllowedAddress(ip: string, allowLoopback: boolean): boolean {
  const kind = classifyAddress(ip);
  return kind === 'public' || (allowLoopback && kind === 'loopback');
}

function classifyIpv4(address: ipaddr.IPv4): AddressClass {
  const range = address.range();
  if (range === 'unicast') return 'public';
  return range === 'loopback' ? 'loopback' : 'blocked';
}

function classifyIpv6(address: ipaddr.IPv6): AddressClass {
  // ::ffff:a.b.c.d reaches a.b.c.d over IPv4; judge the IPv4 address, but never count it as loopback.
  if (address.isIPv4MappedAddress()) return classifyIpv4(address.toIPv4Address()) === 'public' ? 'public' : 'blocked';
  const range = address.range();
  if (range === 'loopback') return 'loopback';
  if (range !== 'unicast') return 'blocked';
  if (address.match(IPV6_IPV4_COMPATIBLE)) return 'blocked';
  return address.match(IPV6_GLOBAL_UNICAST) ? 'public' : 'blocked';
}
