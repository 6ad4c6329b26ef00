import { parseSigningKeys, type SigningKey } from '../../domain/signed-url.js';
import {
  flag,
  integer,
  list,
  optionalText,
  type Parser,
  type Reading,
  readAll,
  redact,
  secret,
  type ValuesOf,
  variable,
} from '../variable.js';
import type { QueueConfig } from './storage.js';

const signingKeys: Parser<readonly SigningKey[]> = (text, _name, problems) => {
  if (text === undefined) return [];
  const { keys, errors } = parseSigningKeys(text);
  problems.push(...errors);
  return keys;
};

/** Exact origins only (scheme://host[:port]); `*` is refused so that CORS is never open to every site. */
const corsOrigins: Parser<readonly string[]> = (text, name, problems) => {
  if (text === undefined) return [];
  const origins = list(text);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s*]+$/.test(origin)) {
      problems.push(`${name}: expected origins like https://app.example.com but received ${JSON.stringify(origin)}`);
    }
  }
  return origins;
};

const RATE_LIMIT_STORE_KINDS = ['auto', 'memory', 'redis'] as const;

const rateLimitStoreKind: Parser<(typeof RATE_LIMIT_STORE_KINDS)[number], string> = (value, name, problems) => {
  const known = RATE_LIMIT_STORE_KINDS.find((kind) => kind === value);
  if (!known) {
    problems.push(
      `${name}: expected one of ${RATE_LIMIT_STORE_KINDS.join(', ')} but received ${JSON.stringify(value)}`,
    );
  }
  return known ?? 'auto';
};

/** Signed URLs and browser access (issue 7). API keys live in the database, not here. */
export const SECURITY = {
  signingKeys: secret(
    variable(
      'SIGNING_KEYS',
      undefined,
      signingKeys,
      'HMAC keys for signed thumbnail URLs: `kid:secret[,kid:secret…]`, secrets 32+ characters; the first signs, all verify (rotation).',
    ),
  ),
  signedUrlTtlSeconds: variable(
    'SIGNED_URL_TTL_SECONDS',
    '3600',
    integer(1, 30 * 86_400),
    'Lifetime of the signed thumbnail URLs returned with `?signed=true`.',
  ),
  corsOrigins: variable(
    'CORS_ORIGINS',
    undefined,
    corsOrigins,
    'Comma-separated origins (`https://app.example.com`) allowed to call the API from a browser; none when unset.',
  ),
  /** 0 = off. */
  rateLimitPerMinute: variable(
    'RATE_LIMIT_PER_MINUTE',
    '600',
    integer(0, 10_000_000),
    'Requests per minute on `/v1` per API key and per client address (fixed 60 s windows, shared through `RATE_LIMIT_STORE`; 0 = off).',
  ),
  uploadRateLimitPerMinute: variable(
    'UPLOAD_RATE_LIMIT_PER_MINUTE',
    '120',
    integer(0, 10_000_000),
    'Uploads per minute per API key and per client address, on top of the general limit (0 = off).',
  ),
  rateLimitStore: variable(
    'RATE_LIMIT_STORE',
    'auto',
    rateLimitStoreKind,
    "Where rate limits are counted: `redis` (shared by every API process; `RATE_LIMIT_REDIS_URL`, else the queue's Redis), `memory` (each process alone: N processes allow N times the rate), `auto` = `redis` when a Redis URL is known.",
  ),
  rateLimitRedisUrl: secret(
    variable(
      'RATE_LIMIT_REDIS_URL',
      undefined,
      optionalText,
      "Redis (`redis://…`) for the shared rate-limit counts; unset = the queue's (`QUEUE_URL`) when it is Redis.",
    ),
  ),
  /** HTTP timeouts: headers, idle keep-alive, and the least body rate over a window (0 = no body rate). */
  headersTimeoutMs: variable(
    'HTTP_HEADERS_TIMEOUT_MS',
    '10000',
    integer(100, 600_000),
    'A connection must deliver a complete request line and headers within this time, else `408 TS_REQUEST_TIMEOUT`.',
  ),
  keepAliveTimeoutMs: variable(
    'HTTP_KEEP_ALIVE_TIMEOUT_MS',
    '5000',
    integer(100, 600_000),
    "An idle keep-alive connection is closed after this long (keep it above a load balancer's idle timeout).",
  ),
  uploadMinBytesPerSecond: variable(
    'UPLOAD_MIN_BYTES_PER_SECOND',
    '1024',
    integer(0, 1024 ** 3),
    'A request body must arrive at least this fast on average over each `UPLOAD_RATE_WINDOW_MS`, else it is cut with `408 TS_REQUEST_TIMEOUT` (0 = off).',
  ),
  uploadRateWindowMs: variable(
    'UPLOAD_RATE_WINDOW_MS',
    '20000',
    integer(100, 600_000),
    'The window over which `UPLOAD_MIN_BYTES_PER_SECOND` is measured: a pause shorter than it never cuts an upload.',
  ),
  maxQueueDepth: variable(
    'MAX_QUEUE_DEPTH',
    '10000',
    integer(0, 1_000_000_000),
    'Past this many waiting render jobs, uploads answer `503 TS_QUEUE_FULL` with `Retry-After` (0 = unbounded).',
  ),
};

/** bull-board at `/admin/queues`: only with the Redis queue, only behind the token. */
export const QUEUE_DASHBOARD = {
  enabled: variable(
    'QUEUE_DASHBOARD',
    'false',
    flag,
    'Serve the bull-board queue dashboard at `/admin/queues` (Redis queue only; needs `QUEUE_DASHBOARD_TOKEN`).',
  ),
  token: secret(
    variable(
      'QUEUE_DASHBOARD_TOKEN',
      undefined,
      optionalText,
      'Secret (16+ characters) for the dashboard: `Authorization: Bearer TOKEN`, or Basic auth with any user and TOKEN as password.',
    ),
  ),
};

export type SecurityConfig = ValuesOf<typeof SECURITY>;
/** Where the rate limits are counted; the Redis keys start with the queue's prefix. */
export type RateLimitStoreConfig = { kind: 'memory' } | { kind: 'redis'; url: string; prefix: string };
export type QueueDashboardConfig = ValuesOf<typeof QUEUE_DASHBOARD>;

export function readQueueDashboard({ read, problems }: Reading, queue: QueueConfig): QueueDashboardConfig {
  const dashboard = readAll(QUEUE_DASHBOARD, read);
  if (dashboard.enabled) {
    if (queue.kind !== 'redis') {
      problems.push('QUEUE_DASHBOARD: the queue dashboard needs the Redis queue (QUEUE_URL=redis://…)');
    }
    if ((dashboard.token ?? '').length < 16) {
      problems.push('QUEUE_DASHBOARD_TOKEN: set a secret of at least 16 characters to turn the dashboard on');
    }
  }
  return dashboard;
}

/** The rate-limit store: Redis when one is named or the queue is on Redis (unless `memory` is asked for). */
export function rateLimitStoreOf(
  { problems }: Pick<Reading, 'problems'>,
  security: SecurityConfig,
  queue: QueueConfig,
  queuePrefix: string,
): RateLimitStoreConfig {
  const { rateLimitStore: kind, rateLimitRedisUrl: url } = security;
  if (url !== undefined && !/^rediss?:\/\//.test(url)) {
    problems.push(`RATE_LIMIT_REDIS_URL: expected redis://… but received ${JSON.stringify(redact(url))}`);
  }
  const redisUrl = url ?? (queue.kind === 'redis' ? queue.url : undefined);
  if (kind === 'memory' || (kind === 'auto' && redisUrl === undefined)) return { kind: 'memory' };
  if (redisUrl === undefined) {
    problems.push('RATE_LIMIT_STORE: redis needs RATE_LIMIT_REDIS_URL or a Redis queue (QUEUE_URL=redis://…)');
    return { kind: 'memory' };
  }
  return { kind: 'redis', url: redisUrl, prefix: queuePrefix };
}
