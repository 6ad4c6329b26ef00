import type { Preset } from '../domain/preset.js';
import type { EventsConfig } from './sections/events.js';
import type { FetchConfig } from './sections/fetch.js';
import type { LimitsConfig } from './sections/images.js';
import type { LifecycleConfig, WebhooksConfig } from './sections/lifecycle.js';
import type { LogConfig } from './sections/logging.js';
import type { QueueDashboardConfig, RateLimitStoreConfig, SecurityConfig } from './sections/security.js';
import type { ServerConfig } from './sections/server.js';
import type { DatabaseConfig, QueueConfig, StorageConfig } from './sections/storage.js';
import type { IsolationConfig, JobsConfig, SweepConfig, WorkerConfig } from './sections/workers.js';

export type { DatabaseConfig, LimitsConfig, QueueConfig, RateLimitStoreConfig, StorageConfig };

/** Tracing from the standard OTEL_* variables (config/tracing.ts). */
export interface TracingConfig {
  /** False when `OTEL_SDK_DISABLED=true`: no trace context at all (no ids in logs or jobs). */
  enabled: boolean;
  /** Where finished spans go; empty = nowhere (ids still propagate, so the logs of one upload correlate). */
  exporters: readonly ('otlp' | 'console')[];
  serviceName: string;
}

/**
 * The whole validated, frozen configuration. Only config/ reads the environment. Each part's type comes from its
 * section (config/sections/), where its variables are declared.
 */
export interface Config {
  server: ServerConfig;
  dataDir: string;
  /** Below this many free bytes on the disks written to, uploads answer 503 TS_STORAGE_FULL and /readyz fails. */
  minFreeDiskBytes: number;
  database: DatabaseConfig;
  queue: QueueConfig;
  storage: StorageConfig;
  worker: WorkerConfig;
  jobs: JobsConfig;
  /** Budgets of the imaging child processes (imaging/pool): every probe and render runs in one. */
  isolation: IsolationConfig;
  sweep: SweepConfig;
  limits: LimitsConfig;
  presets: readonly Preset[];
  log: LogConfig;
  tracing: TracingConfig;
  /** Retention and garbage collection (0 = off). */
  lifecycle: LifecycleConfig;
  webhooks: WebhooksConfig;
  /** Retention of status events for resumable event streams. */
  events: EventsConfig;
  /** Upload by URL (issue 7); the body cap is `limits.maxUploadBytes`. */
  fetch: FetchConfig;
  /** bull-board at `/admin/queues`: only with the Redis queue, only behind the token. */
  queueDashboard: QueueDashboardConfig;
  /** Signed URLs and browser access (issue 7). API keys live in the database, not here. */
  security: SecurityConfig;
  /** Where the rate limits are counted: in each process, or in Redis shared by all (`RATE_LIMIT_STORE`). */
  rateLimitStore: RateLimitStoreConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee the README's configuration table.`,
    );
    this.name = 'ConfigError';
  }
}
