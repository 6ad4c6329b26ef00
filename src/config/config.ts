import type { Preset } from '../domain/preset.js';
import type { SigningKey } from '../domain/signed-url.js';

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
export type QueueConfig = { kind: 'sqlite' } | { kind: 'redis'; url: string; prefix: string };
export type StorageConfig =
  | { kind: 'fs'; root: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      endpoint: string | undefined;
      region: string;
      forcePathStyle: boolean;
    };

export interface LimitsConfig {
  maxUploadBytes: number;
  maxInputPixels: number;
  maxFrames: number;
  maxTotalPixels: number;
  maxOutputDimension: number;
  allowSvg: boolean;
  maxJpegScans: number;
  /** MAX_PNG_CHUNKS: PNG ancillary chunks, and the metadata entries of JPEG, GIF and WebP. */
  maxAncillaryChunks: number;
  maxMetadataBytes: number;
}

/** Tracing from the standard OTEL_* variables (config/tracing.ts). */
export interface TracingConfig {
  /** False when `OTEL_SDK_DISABLED=true`: no trace context at all (no ids in logs or jobs). */
  enabled: boolean;
  /** Where finished spans go; empty = nowhere (ids still propagate, so the logs of one upload correlate). */
  exporters: readonly ('otlp' | 'console')[];
  serviceName: string;
}

/** The whole validated, frozen configuration. Only config/ reads the environment. */
export interface Config {
  server: { host: string; port: number; publicUrl: string | undefined };
  dataDir: string;
  /** Below this many free bytes on the disks written to, uploads answer 503 TS_STORAGE_FULL and /readyz fails. */
  minFreeDiskBytes: number;
  database: DatabaseConfig;
  queue: QueueConfig;
  storage: StorageConfig;
  worker: { concurrency: number; imagingThreads: number; imagingCacheMb: number; drainTimeoutMs: number };
  jobs: { maxAttempts: number; backoffMs: number; backoffMaxMs: number; leaseMs: number; timeoutMs: number };
  /** Budgets of the imaging child processes (imaging/pool): every probe and render runs in one. */
  isolation: { memoryLimitMb: number; probeTimeoutMs: number; probeChildren: number };
  sweep: {
    intervalMs: number;
    staleMs: number;
    /** Age past which a `processing` row is re-enqueued: max(staleMs, job time limit + two leases). */
    processingStaleMs: number;
  };
  limits: LimitsConfig;
  presets: readonly Preset[];
  log: { level: string; format: 'json' | 'pretty' | 'auto' };
  tracing: TracingConfig;
  /** Retention and garbage collection (0 = off). */
  lifecycle: { retentionMs: number; gcIntervalMs: number; gcGraceMs: number; referenceGraceMs: number };
  webhooks: { url: string | undefined; secret: string | undefined; allowLoopback: boolean; timeoutMs: number };
  /** Upload by URL (issue 7); the body cap is `limits.maxUploadBytes`. */
  fetch: {
    /** `undefined` = any public host. */
    allowedHosts: readonly string[] | undefined;
    allowLoopback: boolean;
    timeoutMs: number;
    maxRedirects: number;
  };
  /** bull-board at `/admin/queues`: only with the Redis queue, only behind the token. */
  queueDashboard: { enabled: boolean; token: string | undefined };
  /** Signed URLs and browser access (issue 7). API keys live in the database, not here. */
  security: {
    signingKeys: readonly SigningKey[];
    signedUrlTtlSeconds: number;
    corsOrigins: readonly string[];
    /** 0 = off. */
    rateLimitPerMinute: number;
    uploadRateLimitPerMinute: number;
    maxQueueDepth: number;
    /** HTTP timeouts: headers, idle keep-alive, and the least body rate over a window (0 = no body rate). */
    headersTimeoutMs: number;
    keepAliveTimeoutMs: number;
    uploadMinBytesPerSecond: number;
    uploadRateWindowMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee the README's configuration table.`,
    );
    this.name = 'ConfigError';
  }
}
