import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { isHostPattern } from '../domain/host-patterns.js';
import { parseSigningKeys, type SigningKey } from '../domain/signed-url.js';
import { type Config, ConfigError, type DatabaseConfig, type QueueConfig, type StorageConfig } from './config.js';
import { parsePresets } from './presets.js';
import { parseTracing } from './tracing.js';
import { VARIABLES, type VariableName } from './variables.js';

type Source = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates the configuration once, reporting every bad variable in one error, and returns it frozen.
 * `env` wins over `CONFIG_FILE`, which wins over the defaults in config/variables.ts.
 */
export function loadConfig(env: Source = process.env, cores: number = availableParallelism()): Config {
  const problems: string[] = [];
  const file = readConfigFile(env.CONFIG_FILE, problems);
  const raw = (name: VariableName): string | undefined => {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const fromFile = file[name];
    if (fromFile !== undefined) return typeof fromFile === 'string' ? fromFile : JSON.stringify(fromFile);
    return VARIABLES.find((v) => v.name === name)?.default;
  };
  const int = (name: VariableName, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const text = raw(name);
    const value = Number(text);
    if (text === undefined || !/^-?\d+$/.test(text.trim()) || value < min || value > max) {
      problems.push(`${name}: expected an integer ${min}-${max} but received ${JSON.stringify(text)}`);
      return min;
    }
    return value;
  };
  const optionalInt = (name: VariableName, min: number, max: number, fallback: number): number =>
    raw(name) === undefined ? fallback : int(name, min, max);
  const bool = (name: VariableName): boolean => {
    const text = raw(name)?.toLowerCase();
    if (text === 'true' || text === '1' || text === 'yes') return true;
    if (text === 'false' || text === '0' || text === 'no' || text === undefined) return false;
    problems.push(`${name}: expected true or false but received ${JSON.stringify(text)}`);
    return false;
  };

  const dataDir = resolve(raw('DATA_DIR') ?? './data');
  const concurrency = optionalInt('WORKER_CONCURRENCY', 1, 256, cores);
  const maxOutputDimension = int('MAX_OUTPUT_DIMENSION', 16, 16384);
  const { presets, errors: presetErrors } = parsePresets(raw('PRESETS') ?? '', maxOutputDimension);
  problems.push(...presetErrors);

  const logFormat = raw('LOG_FORMAT');
  if (logFormat !== 'json' && logFormat !== 'pretty' && logFormat !== 'auto') {
    problems.push(`LOG_FORMAT: expected json, pretty or auto but received ${JSON.stringify(logFormat)}`);
  }
  const logLevel = raw('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')} but received ${JSON.stringify(logLevel)}`);
  }
  const publicUrl = raw('PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    problems.push(`PUBLIC_URL: expected an absolute http(s) URL but received ${JSON.stringify(publicUrl)}`);
  }

  const config: Config = {
    server: {
      host: raw('HOST') ?? '127.0.0.1',
      port: int('PORT', 0, 65535),
      publicUrl: publicUrl?.replace(/\/+$/, ''),
    },
    dataDir,
    minFreeDiskBytes: int('MIN_FREE_DISK_MB', 0, 1024 * 1024) * 1024 * 1024,
    database: parseDatabase(raw('DATABASE_URL'), dataDir, problems),
    queue: parseQueue(raw('QUEUE_URL'), raw('QUEUE_PREFIX') ?? 'thumbsmith', problems),
    storage: parseStorage(raw('STORAGE_URL'), dataDir, env, raw, problems),
    worker: {
      concurrency,
      imagingThreads: optionalInt('IMAGING_THREADS', 1, 64, concurrency >= cores ? 1 : cores),
      imagingCacheMb: int('IMAGING_CACHE_MB', 0, 4096),
      drainTimeoutMs: int('DRAIN_TIMEOUT_MS', 0, 3_600_000),
    },
    jobs: {
      maxAttempts: int('JOB_MAX_ATTEMPTS', 1, 100),
      backoffMs: int('JOB_BACKOFF_MS', 1, 3_600_000),
      backoffMaxMs: int('JOB_BACKOFF_MAX_MS', 1, 86_400_000),
      leaseMs: int('JOB_LEASE_MS', 200, 3_600_000),
      timeoutMs: int('JOB_TIMEOUT_MS', 100, 3_600_000),
    },
    isolation: {
      // An idle child alone is about 70 MB resident: a smaller ceiling would kill every request.
      memoryLimitMb: int('RENDER_MEMORY_LIMIT_MB', 128, 1_048_576),
      probeTimeoutMs: int('PROBE_TIMEOUT_MS', 100, 600_000),
      probeChildren: int('PROBE_CHILDREN', 1, 64),
    },
    sweep: {
      intervalMs: int('SWEEP_INTERVAL_MS', 0, 86_400_000),
      staleMs: int('SWEEP_STALE_MS', 0, 86_400_000),
      processingStaleMs: 0, // derived below, from the job limits
    },
    limits: {
      maxUploadBytes: int('MAX_UPLOAD_BYTES', 1, 10 * 1024 ** 3),
      maxInputPixels: int('MAX_INPUT_PIXELS', 1, 2 ** 40),
      maxFrames: int('MAX_FRAMES', 1, 100_000),
      maxTotalPixels: int('MAX_TOTAL_PIXELS', 1, 2 ** 42),
      maxOutputDimension,
      allowSvg: bool('ALLOW_SVG'),
      maxJpegScans: int('MAX_JPEG_SCANS', 1, 1_000_000),
      maxAncillaryChunks: int('MAX_PNG_CHUNKS', 0, 10_000_000),
      maxMetadataBytes: int('MAX_METADATA_BYTES', 0, Number.MAX_SAFE_INTEGER),
    },
    presets,
    log: { level: logLevel, format: logFormat as Config['log']['format'] },
    tracing: parseTracing(env, problems),
    lifecycle: {
      retentionMs: parseRetention(raw('RETENTION_DAYS'), raw('RETENTION_SECONDS'), int, problems),
      gcIntervalMs: int('GC_INTERVAL_MS', 0, 30 * 86_400_000),
      gcGraceMs: int('GC_GRACE_SECONDS', 0, 365 * 86_400) * 1000,
      referenceGraceMs: int('GC_REFERENCE_GRACE_SECONDS', 0, 86_400) * 1000,
    },
    webhooks: {
      url: parseWebhookUrl(raw('WEBHOOK_URL'), problems),
      secret: raw('WEBHOOK_SECRET'),
      allowLoopback: bool('WEBHOOK_ALLOW_LOOPBACK'),
      timeoutMs: int('WEBHOOK_TIMEOUT_MS', 100, 300_000),
    },
    fetch: {
      allowedHosts: parseAllowedHosts(raw('FETCH_ALLOWED_HOSTS'), problems),
      allowLoopback: bool('FETCH_ALLOW_LOOPBACK'),
      timeoutMs: int('FETCH_TIMEOUT_MS', 100, 600_000),
      maxRedirects: int('FETCH_MAX_REDIRECTS', 0, 10),
    },
    queueDashboard: { enabled: bool('QUEUE_DASHBOARD'), token: raw('QUEUE_DASHBOARD_TOKEN') },
    security: {
      signingKeys: parseSigning(raw('SIGNING_KEYS'), problems),
      signedUrlTtlSeconds: int('SIGNED_URL_TTL_SECONDS', 1, 30 * 86_400),
      corsOrigins: parseOrigins(raw('CORS_ORIGINS'), problems),
      rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 0, 10_000_000),
      uploadRateLimitPerMinute: int('UPLOAD_RATE_LIMIT_PER_MINUTE', 0, 10_000_000),
      maxQueueDepth: int('MAX_QUEUE_DEPTH', 0, 1_000_000_000),
      headersTimeoutMs: int('HTTP_HEADERS_TIMEOUT_MS', 100, 600_000),
      keepAliveTimeoutMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 100, 600_000),
      uploadMinBytesPerSecond: int('UPLOAD_MIN_BYTES_PER_SECOND', 0, 1024 ** 3),
      uploadRateWindowMs: int('UPLOAD_RATE_WINDOW_MS', 100, 600_000),
    },
  };
  if (config.queueDashboard.enabled) {
    if (config.queue.kind !== 'redis') {
      problems.push('QUEUE_DASHBOARD: the queue dashboard needs the Redis queue (QUEUE_URL=redis://…)');
    }
    if ((config.queueDashboard.token ?? '').length < 16) {
      problems.push('QUEUE_DASHBOARD_TOKEN: set a secret of at least 16 characters to turn the dashboard on');
    }
  }
  // A live delivery renews its lease, and its row moves at most one time limit apart: at the claim, when the fetched
  // original of an upload by URL is attached, at the end of the render. A row `processing` for much longer than that
  // has lost its job (see service/sweeper.ts).
  config.sweep.processingStaleMs = Math.max(
    config.sweep.staleMs,
    Math.max(config.fetch.timeoutMs, config.jobs.timeoutMs) + 2 * config.jobs.leaseMs,
  );
  if (config.jobs.backoffMaxMs < config.jobs.backoffMs) {
    problems.push('JOB_BACKOFF_MAX_MS: must not be smaller than JOB_BACKOFF_MS');
  }
  if (config.jobs.timeoutMs > config.jobs.leaseMs * 100) {
    problems.push('JOB_TIMEOUT_MS: must be at most 100 × JOB_LEASE_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function readConfigFile(path: string | undefined, problems: string[]): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push(`CONFIG_FILE: ${path} must hold a JSON object`);
      return {};
    }
    for (const key of Object.keys(parsed)) {
      if (!VARIABLES.some((v) => v.name === key)) problems.push(`CONFIG_FILE: unknown key "${key}" in ${path}`);
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    problems.push(`CONFIG_FILE: cannot read ${path}: ${(error as Error).message}`);
    return {};
  }
}

function parseRetention(
  days: string | undefined,
  seconds: string | undefined,
  int: (name: VariableName, min: number, max?: number) => number,
  problems: string[],
): number {
  const daysSet = days !== undefined && days !== '0';
  if (seconds !== undefined && daysSet) {
    problems.push('RETENTION_SECONDS: set either RETENTION_DAYS or RETENTION_SECONDS, not both');
  }
  if (seconds !== undefined) return int('RETENTION_SECONDS', 0, 100 * 365 * 86_400) * 1000;
  return int('RETENTION_DAYS', 0, 100 * 365) * 86_400_000;
}

function parseWebhookUrl(url: string | undefined, problems: string[]): string | undefined {
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
  problems.push(`WEBHOOK_URL: expected an http(s) URL without credentials but received ${JSON.stringify(redact(url))}`);
  return undefined;
}

function parseDatabase(url: string | undefined, dataDir: string, problems: string[]): DatabaseConfig {
  if (url === undefined) return { kind: 'sqlite', path: resolve(dataDir, 'thumbsmith.db') };
  if (url.startsWith('sqlite:'))
    return { kind: 'sqlite', path: resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')) };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  problems.push(`DATABASE_URL: expected sqlite:PATH or postgres://… but received ${JSON.stringify(redact(url))}`);
  return { kind: 'sqlite', path: resolve(dataDir, 'thumbsmith.db') };
}

function parseQueue(url: string | undefined, prefix: string, problems: string[]): QueueConfig {
  // Checked even for the embedded queue, so a typo shows up before the day Redis is switched on.
  if (!/^[A-Za-z0-9_.:{}-]{1,100}$/.test(prefix)) {
    problems.push(
      `QUEUE_PREFIX: expected 1-100 characters of [A-Za-z0-9_.:{}-] but received ${JSON.stringify(prefix)}`,
    );
  }
  if (url === undefined || url === 'sqlite') return { kind: 'sqlite' };
  if (/^rediss?:\/\//.test(url)) return { kind: 'redis', url, prefix };
  problems.push(
    `QUEUE_URL: expected redis://… (or unset for the embedded queue) but received ${JSON.stringify(redact(url))}`,
  );
  return { kind: 'sqlite' };
}

function parseStorage(
  url: string | undefined,
  dataDir: string,
  env: Source,
  raw: (name: VariableName) => string | undefined,
  problems: string[],
): StorageConfig {
  if (url === undefined) return { kind: 'fs', root: resolve(dataDir, 'blobs') };
  if (url.startsWith('file:')) return { kind: 'fs', root: resolve(url.slice('file:'.length).replace(/^\/\//, '')) };
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (s3) {
    return {
      kind: 's3',
      bucket: s3[1]!,
      prefix: (s3[2] ?? '').replace(/\/+$/, ''),
      endpoint: raw('S3_ENDPOINT') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
      region: raw('AWS_REGION') ?? 'us-east-1',
      forcePathStyle: raw('S3_FORCE_PATH_STYLE') !== 'false',
    };
  }
  problems.push(`STORAGE_URL: expected file:PATH or s3://bucket[/prefix] but received ${JSON.stringify(url)}`);
  return { kind: 'fs', root: resolve(dataDir, 'blobs') };
}

/** Hides credentials in a URL so configuration errors never print secrets. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function parseSigning(text: string | undefined, problems: string[]): SigningKey[] {
  if (text === undefined) return [];
  const { keys, errors } = parseSigningKeys(text);
  problems.push(...errors);
  return keys;
}

/** Host names, IP literals or `*.domain` wildcards; an empty list is refused (it would refuse every URL). */
function parseAllowedHosts(text: string | undefined, problems: string[]): string[] | undefined {
  if (text === undefined) return undefined;
  const hosts = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (hosts.length === 0) problems.push('FETCH_ALLOWED_HOSTS: expected at least one host; unset it to allow any');
  for (const host of hosts) {
    if (!isHostPattern(host)) {
      problems.push(
        `FETCH_ALLOWED_HOSTS: expected host names like cdn.example.com or *.example.com but received ${JSON.stringify(host)}`,
      );
    }
  }
  return hosts;
}

/** Exact origins only (scheme://host[:port]); `*` is refused so that CORS is never open to every site. */
function parseOrigins(text: string | undefined, problems: string[]): string[] {
  if (text === undefined) return [];
  const origins = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s*]+$/.test(origin)) {
      problems.push(
        `CORS_ORIGINS: expected origins like https://app.example.com but received ${JSON.stringify(origin)}`,
      );
    }
  }
  return origins;
}
