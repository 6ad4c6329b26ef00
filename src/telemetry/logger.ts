import type { Writable } from 'node:stream';
import pino from 'pino';
import { currentLogFields } from './log-context.js';
import { LOG_KEYS } from './names.js';
import { activeTraceIds } from './tracing.js';

export type Logger = pino.Logger;

/** Paths that must never reach a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'config.database.url',
  'config.queue.url',
  'config.queueDashboard.token',
  'connectionString',
  '*.connectionString',
  '*.password',
  '*.secret',
  '*.token',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.credentials',
];

/** `scheme://user:password@host` → `scheme://user:***@host`, wherever a URL with credentials shows up in text. */
export function scrubCredentials(text: string): string {
  // Up to the last `@` before a space: a password may hold `/` or `:`; masking a little too much is the safe side.
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]+@/gi, '$1:***@');
}

/** Keys whose values are secrets wherever they sit in an error object. */
const SECRET_KEY = /pass(word)?$|secret|token|authorization|cookie|connectionstring|credential|api-?key/i;

/** A copy of `value` with secret-looking keys censored and URL passwords masked, at any depth (cycles cut). */
function censor(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubCredentials(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => censor(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : censor(child, depth + 1, seen);
  }
  return out;
}

const serializeError = (error: unknown) => {
  const serialized = pino.stdSerializers.err(error as Error) as Record<string, unknown> | undefined;
  if (!serialized) return serialized;
  // pg-pool hangs the whole Client (connection parameters included) on its errors: useless in a log, and risky.
  delete serialized.client;
  // Drivers put connection strings in messages (e.g. "invalid URL postgres://app:secret@db"): mask their passwords.
  return censor(serialized, 0, new WeakSet());
};

/**
 * The ids of the current request or job (log-context.ts) and the active span, on every line. Keys a child logger
 * already binds (Fastify's `reqId`, a job's `imageId`) are left to the binding so no line has a key twice.
 */
function contextMixin(_merge: object, _level: number, logger: pino.Logger): object {
  const fields = currentLogFields();
  const ids = activeTraceIds();
  if (!fields && !ids) return {};
  const out: Record<string, unknown> = { ...fields };
  if (ids) {
    out[LOG_KEYS.traceId] = ids.traceId;
    out[LOG_KEYS.spanId] = ids.spanId;
  }
  for (const key of Object.keys(logger.bindings())) delete out[key];
  return out;
}

export function createLogger(
  options: { level: string; format: 'json' | 'pretty' | 'auto' },
  /** JSON lines go here instead of stdout (tests). */
  destination?: Writable,
): Logger {
  const pretty =
    !destination && (options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true));
  const settings: pino.LoggerOptions = {
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: serializeError },
    mixin: contextMixin,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
  return destination ? pino(settings, destination) : pino(settings);
}
