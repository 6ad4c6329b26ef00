import { lookup } from 'node:dns/promises';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { ThumbsmithError } from '../domain/errors.js';
import { isHostPattern } from '../domain/host-patterns.js';
import { CappedBody } from './capped-body.js';
import { type ConnectAttempt, createGuardedConnector, type Resolver } from './guarded-connector.js';
import { checkRedirect, checkUrl } from './url-policy.js';

/** How the outbound fetcher may reach the network (upload-by-URL and webhooks). */
export interface FetchPolicy {
  /** Exact host names or `*.example.com` wildcards (any subdomain, not the apex); `undefined` = any public host. */
  allowedHosts: readonly string[] | undefined;
  /** Development and tests ONLY: also permits 127.0.0.0/8 and ::1 (nothing else private). @defaultValue false */
  allowLoopback: boolean;
  /** Body cap in bytes, counted while streaming. */
  maxBytes: number;
  /** Total time budget per call in ms: connect, headers, every redirect hop and the whole body. */
  timeoutMs: number;
  /** Redirects followed at most; one more is `TS_FETCH_TOO_MANY_REDIRECTS`. @defaultValue 3 */
  maxRedirects: number;
  /** The fixed User-Agent sent with every request. */
  userAgent: string;
  /** Host name resolver. @defaultValue `dns.lookup(host, { all: true })`; tests inject one. */
  resolver?: (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;
}

/** Defaults for the policy fields that have sensible ones (config fills the rest). */
export const FETCH_POLICY_DEFAULTS = {
  allowedHosts: undefined,
  allowLoopback: false,
  maxBytes: 50 * 1024 * 1024,
  timeoutMs: 30_000,
  maxRedirects: 3,
} as const satisfies Partial<FetchPolicy>;

/** A successful (2xx) answer to `get`. */
export interface FetchedBody {
  status: number;
  contentType: string | undefined;
  /** The body, capped at `maxBytes` and bounded by the call's deadline; errors are catalogue errors. */
  stream: Readable;
  /** The URL after redirects. It may carry a query string: do not log it (see `redactUrl`). */
  finalUrl: string;
}

export interface SafeFetcher {
  /**
   * GETs `url`, following at most `maxRedirects` redirects (each re-checked). Resolves once a 2xx answer's headers
   * arrive; the deadline keeps running while the caller reads `stream`. Rejects with `TS_FETCH_*` errors, or with
   * `signal.reason` when the caller aborts.
   */
  get(url: string, signal?: AbortSignal): Promise<FetchedBody>;
  /**
   * POSTs `body` (webhooks). Redirects are NOT followed: a 3xx comes back as its status, like any other answer, and
   * the caller decides what counts as delivered. Rejects only when no answer arrives (`TS_FETCH_*`) or on abort.
   */
  post(url: string, body: Buffer, headers: Record<string, string>, signal?: AbortSignal): Promise<{ status: number }>;
  /** Closes pooled connections; in-flight calls end by their deadline at the latest. Idempotent. */
  close(): Promise<void>;
}

/** Observation hooks (tests record connection attempts; metrics may count them). */
export interface SafeFetcherHooks {
  /** Called with the vetted address right before each socket is opened; throwing vetoes the connection. */
  onConnect?: (attempt: ConnectAttempt) => void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Headers the caller of post() may not set: they carry credentials, or steer routing/framing that is ours to decide.
const FORBIDDEN_HEADERS = new Set([
  'host',
  'cookie',
  'authorization',
  'proxy-authorization',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'user-agent',
]);

const defaultResolver: Resolver = async (hostname) => {
  const entries = await lookup(hostname, { all: true, verbatim: true });
  return entries.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

/**
 * Builds the outbound HTTP client that can never be turned against the network it runs in: http/https only, no
 * credentials, optional host allow-list, every resolved address (and every IP literal) must be public, the socket
 * goes to the vetted IP, redirects are followed by hand and re-checked, bodies are capped and calls time-boxed.
 */
export function createSafeFetcher(policy: FetchPolicy, hooks: SafeFetcherHooks = {}): SafeFetcher {
  validatePolicy(policy);
  const rules = Object.freeze({ allowedHosts: policy.allowedHosts, allowLoopback: policy.allowLoopback });
  const agent = new Agent({
    connect: createGuardedConnector({
      resolve: policy.resolver ?? defaultResolver,
      allowLoopback: policy.allowLoopback,
      connectTimeoutMs: Math.min(policy.timeoutMs, 10_000),
      onConnect: hooks.onConnect,
    }),
    // Backstops only: the per-call deadline below is the real limit.
    headersTimeout: policy.timeoutMs,
    bodyTimeout: policy.timeoutMs,
  });
  let closing: Promise<void> | undefined;

  async function get(url: string, signal?: AbortSignal): Promise<FetchedBody> {
    const call = startCall(policy.timeoutMs, signal);
    let current = checkUrl(url, rules);
    for (let redirects = 0; ; redirects++) {
      const response = await send(current, { method: 'GET', headers: baseHeaders(policy) }, call);
      const location = headerValue(response.headers.location);
      if (REDIRECT_STATUSES.has(response.statusCode) && location !== undefined) {
        discard(response.body);
        if (redirects >= policy.maxRedirects) {
          throw new ThumbsmithError('TS_FETCH_TOO_MANY_REDIRECTS', `More than ${policy.maxRedirects} redirects`, {
            extensions: { limit: policy.maxRedirects },
          });
        }
        current = checkRedirect(location, current, rules);
        continue;
      }
      if (response.statusCode < 200 || response.statusCode > 299) {
        discard(response.body);
        throw upstreamError(response.statusCode);
      }
      const declared = Number(headerValue(response.headers['content-length']));
      if (Number.isFinite(declared) && declared > policy.maxBytes) {
        discard(response.body);
        throw new ThumbsmithError('TS_FETCH_TOO_LARGE', `The body is larger than ${policy.maxBytes} bytes`, {
          extensions: { limit: policy.maxBytes },
        });
      }
      return {
        status: response.statusCode,
        contentType: headerValue(response.headers['content-type']),
        stream: new CappedBody(response.body, policy.maxBytes, (error) => call.mapError(error)),
        finalUrl: current.href,
      };
    }
  }

  async function post(
    url: string,
    body: Buffer,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<{ status: number }> {
    const call = startCall(policy.timeoutMs, signal);
    const target = checkUrl(url, rules);
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) sent[name.toLowerCase()] = value;
    }
    const response = await send(target, { method: 'POST', headers: { ...sent, ...baseHeaders(policy) }, body }, call);
    // The answer's body is not needed; destroying it frees the socket without reading an unbounded reply.
    discard(response.body);
    return { status: response.statusCode };
  }

  async function send(
    url: URL,
    options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer },
    call: Call,
  ): Promise<Awaited<ReturnType<typeof request>>> {
    try {
      return await beforeDeadline(request(url, { ...options, dispatcher: agent, signal: call.signal }), call.signal);
    } catch (error) {
      throw call.mapError(error);
    }
  }

  return {
    get,
    post,
    close() {
      closing ??= agent.close();
      return closing;
    },
  };
}

/** One call's deadline (covering every hop and the body) merged with the caller's signal. */
interface Call {
  readonly signal: AbortSignal;
  mapError(error: unknown): Error;
}

function startCall(timeoutMs: number, callerSignal: AbortSignal | undefined): Call {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([deadline, callerSignal]) : deadline;
  return {
    signal,
    mapError(error) {
      if (error instanceof ThumbsmithError) return error;
      if (callerSignal?.aborted) return callerSignal.reason instanceof Error ? callerSignal.reason : asError(error);
      if (deadline.aborted || isTimeoutCode(error)) {
        return new ThumbsmithError('TS_FETCH_TIMEOUT', `No complete answer within ${timeoutMs} ms`, { cause: error });
      }
      return new ThumbsmithError('TS_FETCH_FAILED', 'The upstream server could not be reached', { cause: error });
    },
  };
}

function isTimeoutCode(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function upstreamError(status: number): ThumbsmithError {
  const extensions = { upstreamStatus: status };
  if (status >= 500) {
    return new ThumbsmithError('TS_FETCH_UPSTREAM_SERVER_ERROR', `The URL answered ${status}`, { extensions });
  }
  return new ThumbsmithError('TS_FETCH_UPSTREAM_CLIENT_ERROR', `The URL answered ${status}`, { extensions });
}

function baseHeaders(policy: FetchPolicy): Record<string, string> {
  return { 'user-agent': policy.userAgent };
}

/**
 * Settles with `pending`, or rejects as soon as `signal` aborts. undici only honours an abort once the request has a
 * socket, so without this a call could outlive its deadline while connecting. A response that arrives too late is
 * discarded.
 */
function beforeDeadline<T extends { body: Readable }>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) discard(value.body);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!settled) reject(error);
      },
    );
  });
}

/** Drops a body we will not read; undici reports a destroyed unread body as an 'error', which is expected here. */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function validatePolicy(policy: FetchPolicy): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(policy.maxBytes) || policy.maxBytes <= 0) {
    problems.push(`Expected positive integer for maxBytes but received ${policy.maxBytes}`);
  }
  if (!Number.isSafeInteger(policy.timeoutMs) || policy.timeoutMs <= 0) {
    problems.push(`Expected positive integer for timeoutMs but received ${policy.timeoutMs}`);
  }
  if (!Number.isSafeInteger(policy.maxRedirects) || policy.maxRedirects < 0) {
    problems.push(`Expected non-negative integer for maxRedirects but received ${policy.maxRedirects}`);
  }
  if (policy.userAgent === '' || /[\r\n]/.test(policy.userAgent)) {
    problems.push('Expected a non-empty single-line string for userAgent');
  }
  for (const entry of policy.allowedHosts ?? []) {
    if (!isHostPattern(entry)) {
      problems.push(`Expected a host name or *.domain wildcard in allowedHosts but received ${JSON.stringify(entry)}`);
    }
  }
  if (problems.length > 0) throw new TypeError(`Invalid fetch policy: ${problems.join('; ')}`);
}
