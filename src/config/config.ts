import type { Preset } from '../domain/preset.js';

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
export type QueueConfig = { kind: 'sqlite' } | { kind: 'redis'; url: string };
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
}

/** The whole validated, frozen configuration. Only config/ reads the environment. */
export interface Config {
  server: { host: string; port: number; publicUrl: string | undefined };
  dataDir: string;
  database: DatabaseConfig;
  queue: QueueConfig;
  storage: StorageConfig;
  worker: { concurrency: number; imagingThreads: number; imagingCacheMb: number; drainTimeoutMs: number };
  jobs: { maxAttempts: number; backoffMs: number; backoffMaxMs: number; leaseMs: number; timeoutMs: number };
  sweep: { intervalMs: number; staleMs: number };
  limits: LimitsConfig;
  presets: readonly Preset[];
  log: { level: string; format: 'json' | 'pretty' | 'auto' };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee the README's configuration table.`,
    );
    this.name = 'ConfigError';
  }
}
