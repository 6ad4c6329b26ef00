import { isIP } from 'node:net';
import { ThumbsmithError } from '../domain/errors.js';
import { classifyAddress } from './address-policy.js';

/** The parts of the fetch policy that decide whether a URL may be requested at all. */
export interface UrlRules {
  readonly allowedHosts: readonly string[] | undefined;
  readonly allowLoopback: boolean;
}

const SCHEMES = new Set(['http:', 'https:']);

/**
 * Parses and vets a URL before any connection: scheme http/https only, no credentials, host on the allow-list (when
 * one is set), and an IP-literal host must be an allowed address. The WHATWG parser has already turned every IPv4
 * spelling (`2130706433`, `0177.0.0.1`, `0x7f000001`, `127.1`) into dotted-quad, so the literal check sees the real
 * address. Host names are resolved and vetted later, at connect time, by the guarded connector.
 */
export function checkUrl(input: string | URL, rules: UrlRules, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch (error) {
    throw new ThumbsmithError('TS_FETCH_FORBIDDEN_URL', 'The URL is not valid', { cause: error });
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new ThumbsmithError('TS_FETCH_FORBIDDEN_URL', 'Only http and https URLs can be fetched');
  }
  if (url.username !== '' || url.password !== '') {
    throw new ThumbsmithError('TS_FETCH_FORBIDDEN_URL', 'URLs with credentials are not allowed');
  }
  const host = bareHost(url.hostname);
  if (host === '') throw new ThumbsmithError('TS_FETCH_FORBIDDEN_URL', 'The URL has no host');
  if (rules.allowedHosts !== undefined && !hostAllowed(host, rules.allowedHosts)) {
    throw new ThumbsmithError('TS_FETCH_FORBIDDEN_URL', `The host ${host} is not on the allow-list`);
  }
  if (isIP(host) !== 0) {
    const kind = classifyAddress(host);
    if (kind === 'blocked' || (kind === 'loopback' && !rules.allowLoopback)) throw blockedAddress(host);
  } else if (!rules.allowLoopback && isLocalhostName(host)) {
    // RFC 6761: these names always mean loopback; refuse without asking DNS.
    throw blockedAddress(host);
  }
  return url;
}

/**
 * Vets a redirect target: relative `Location`s resolve against the current URL, the same rules as {@link checkUrl}
 * apply, and the only scheme change allowed is the upgrade http → https.
 */
export function checkRedirect(location: string, current: URL, rules: UrlRules): URL {
  const next = checkUrl(location, rules, current);
  if (next.protocol !== current.protocol && !(current.protocol === 'http:' && next.protocol === 'https:')) {
    throw new ThumbsmithError(
      'TS_FETCH_FORBIDDEN_URL',
      `A redirect may not change ${current.protocol} to ${next.protocol}`,
    );
  }
  return next;
}

/** Whether `entry` can be an allow-list entry: a host name, an IP literal, or `*.` followed by a domain. */
export function isHostPattern(entry: string): boolean {
  return /^(\*\.)?[a-z0-9.:[\]-]+$/i.test(entry);
}

/**
 * Whether `host` matches an allow-list entry: an exact name, or `*.example.com`, which matches any subdomain at any
 * depth (`a.example.com`, `a.b.example.com`) but not `example.com` itself. Matching is on whole labels, so
 * `evilexample.com` never matches `*.example.com`.
 */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const name = bareHost(host);
  return allowedHosts.some((entry) => {
    const pattern = bareHost(entry);
    if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
    return name === pattern;
  });
}

/** A URL safe to log: origin and path, never the query, fragment or credentials. */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Lower case, no IPv6 brackets, no trailing root dot: the form allow-list and loopback checks compare. */
function bareHost(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

function blockedAddress(host: string): ThumbsmithError {
  return new ThumbsmithError('TS_FETCH_BLOCKED_ADDRESS', `The host ${host} is not a public address`);
}
