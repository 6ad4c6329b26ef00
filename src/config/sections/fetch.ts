import { isHostPattern } from '../../domain/host-patterns.js';
import { flag, integer, list, type Parser, type ValuesOf, variable } from '../variable.js';

/** Host names, IP literals or `*.domain` wildcards; an empty list is refused (it would refuse every URL). */
const allowedHosts: Parser<readonly string[] | undefined> = (text, name, problems) => {
  if (text === undefined) return undefined;
  const hosts = list(text, (host) => host.toLowerCase());
  if (hosts.length === 0) problems.push(`${name}: expected at least one host; unset it to allow any`);
  for (const host of hosts) {
    if (!isHostPattern(host)) {
      problems.push(
        `${name}: expected host names like cdn.example.com or *.example.com but received ${JSON.stringify(host)}`,
      );
    }
  }
  return hosts;
};

/** Upload by URL (issue 7); the body cap is `limits.maxUploadBytes`. */
export const FETCH = {
  /** `undefined` = any public host. */
  allowedHosts: variable(
    'FETCH_ALLOWED_HOSTS',
    undefined,
    allowedHosts,
    'Hosts an upload by URL may name, comma-separated (`cdn.example.com`, `*.example.com` for its subdomains); unset = any public host.',
  ),
  allowLoopback: variable(
    'FETCH_ALLOW_LOOPBACK',
    'false',
    flag,
    'Development and tests only: let uploads by URL reach 127.0.0.0/8 and ::1 (other private addresses stay blocked).',
  ),
  timeoutMs: variable(
    'FETCH_TIMEOUT_MS',
    '30000',
    integer(100, 600_000),
    'Time limit of one fetch of an upload by URL (connect, redirects and the whole body); past it the job is retried.',
  ),
  maxRedirects: variable(
    'FETCH_MAX_REDIRECTS',
    '3',
    integer(0, 10),
    'Redirects an upload by URL may follow; each target is checked again.',
  ),
};

export type FetchConfig = ValuesOf<typeof FETCH>;
