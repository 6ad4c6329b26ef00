import { webhookSecretProblem } from '../../domain/webhook-secrets.js';
import {
  flag,
  integer,
  optional,
  type Parser,
  type Reading,
  readAll,
  redact,
  scaled,
  secret,
  type ValuesOf,
  variable,
} from '../variable.js';

const DAY_MS = 86_400_000;

/** One lifetime, in days or (for short ones) in seconds; kept in milliseconds. */
export const RETENTION = {
  days: variable(
    'RETENTION_DAYS',
    '0',
    scaled(0, 100 * 365, DAY_MS),
    'Images (and their blobs) older than this many days are deleted by the sweeper; 0 = keep forever.',
  ),
  seconds: variable(
    'RETENTION_SECONDS',
    undefined,
    optional(scaled(0, 100 * 365 * 86_400, 1000)),
    'The same lifetime in seconds (for short ones); set one of the two, not both.',
  ),
};

export const GARBAGE_COLLECTION = {
  gcIntervalMs: variable(
    'GC_INTERVAL_MS',
    '3600000',
    integer(0, 30 * DAY_MS),
    'How often the sweeper also deletes blobs that belong to no image (crash leftovers); 0 = only `thumbsmith sweep`.',
  ),
  gcGraceMs: variable(
    'GC_GRACE_SECONDS',
    '3600',
    scaled(0, 365 * 86_400, 1000),
    'Blobs younger than this are never garbage-collected (uploads and renders in flight write blobs before rows).',
  ),
  referenceGraceMs: variable(
    'GC_REFERENCE_GRACE_SECONDS',
    '900',
    scaled(0, 86_400, 1000),
    'A content reference no image holds (an upload cut off by a crash) this old is dropped with its blobs by every sweep; keep it above the longest put of an original.',
  ),
};

const webhookUrl: Parser<string | undefined> = (url, name, problems) => {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    if (
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      parsed.username === '' &&
      parsed.password === ''
    ) {
      return parsed.href;
    }
  } catch {
    // reported below
  }
  problems.push(`${name}: expected an http(s) URL without credentials but received ${JSON.stringify(redact(url))}`);
  return undefined;
};

const webhookSecret: Parser<string | undefined> = (secret, name, problems) => {
  if (secret === undefined) return undefined;
  const problem = webhookSecretProblem(secret);
  if (problem === undefined) return secret;
  problems.push(`${name}: ${problem} (make one with: echo "whsec_$(openssl rand -base64 32)")`);
  return undefined;
};

export const WEBHOOKS = {
  url: variable(
    'WEBHOOK_URL',
    undefined,
    webhookUrl,
    "Receives `image.done` / `image.failed` events of every image (besides each upload's own `callback_url`).",
  ),
  secret: secret(
    variable(
      'WEBHOOK_SECRET',
      undefined,
      webhookSecret,
      "Standard Webhooks secret (`whsec_<base64 of 24-64 bytes>`) signing `WEBHOOK_URL`'s deliveries and the callbacks of tenants without a secret of their own (`thumbsmith webhooks secret`); unsigned when unset.",
    ),
  ),
  allowLoopback: variable(
    'WEBHOOK_ALLOW_LOOPBACK',
    'false',
    flag,
    'Development and tests only: let webhooks reach 127.0.0.0/8 and ::1 (other private addresses stay blocked).',
  ),
  timeoutMs: variable(
    'WEBHOOK_TIMEOUT_MS',
    '10000',
    integer(100, 300_000),
    'Time limit of one webhook delivery attempt; past it the attempt is retried.',
  ),
};

/** Retention and garbage collection (0 = off). */
export type LifecycleConfig = ValuesOf<typeof GARBAGE_COLLECTION> & { retentionMs: number };
export type WebhooksConfig = ValuesOf<typeof WEBHOOKS>;

export function readLifecycle(reading: Reading): LifecycleConfig {
  return { retentionMs: readRetention(reading), ...readAll(GARBAGE_COLLECTION, reading.read) };
}

/** Only the form that is set is parsed: the other's text says nothing once the two are in conflict. */
function readRetention({ read, textOf, problems }: Reading): number {
  const seconds = read(RETENTION.seconds);
  if (seconds === undefined) return read(RETENTION.days);
  if (textOf(RETENTION.days) !== '0') {
    problems.push('RETENTION_SECONDS: set either RETENTION_DAYS or RETENTION_SECONDS, not both');
  }
  return seconds;
}
