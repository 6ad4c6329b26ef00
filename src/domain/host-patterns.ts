// The allow-list's host patterns: which entries are valid (configuration checks them) and which hosts they match
// (the fetcher checks every URL and redirect against them). Pure rules, so both can share them.

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

/** Lower case, no IPv6 brackets, no trailing root dot: the form allow-list and loopback checks compare. */
export function bareHost(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
