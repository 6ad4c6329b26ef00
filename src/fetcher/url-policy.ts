import { isIP } from 'node:net';
import { ThumbsmithError } from '../domain/errors.js';
import { bareHost, hostAllowed } from '../domain/host-patterns.js';
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

/** A URL safe to log: origin and path, never the query, fragment or credentials. */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

function blockedAddress(host: string): ThumbsmithError {
  return new ThumbsmithError('TS_FETCH_BLOCKED_ADDRESS', `The host ${host} is not a public address`);
}
