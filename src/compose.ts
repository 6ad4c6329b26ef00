import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  backendContext,
  localDirs,
  openDatabase,
  openEvents,
  openQueue,
  openQueueDashboard,
  openRateLimitStores,
  openStorage,
} from './composition/backends.js';
import { openFetchers } from './composition/fetchers.js';
import { startImagingPools, type WarmPools } from './composition/imaging.js';
import { instrumentPorts } from './composition/instrument.js';
import { buildServices, type Services } from './composition/services.js';
import type { Config } from './config/config.js';
import type { QueueDashboardOptions } from './http/queue-dashboard.js';
import type { ImagingPool } from './imaging/index.js';
import { Closers } from './lib/closers.js';
import { packageVersion } from './package-version.js';
import type { BlobStore } from './ports/blob-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { KeyStore } from './ports/key-store.js';
import type { MetadataStores } from './ports/metadata-store.js';
import type { RateLimitStore } from './ports/rate-limit-store.js';
import type { WebhookSecretStore } from './ports/webhook-secret-store.js';
import { DiskSpace } from './service/disk-space.js';
import { removeTempLeftovers } from './service/maintenance.js';
import type { Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';

/** Everything a process needs, built from configuration in dependency order and closed in reverse. */
export interface Runtime
  extends Pick<Services, 'service' | 'handlers' | 'lifecycle' | 'watcher' | 'access' | 'idempotentSubmit' | 'sweep'> {
  config: Config;
  logger: Logger;
  /** The metadata database's ports, for health, auth and heartbeats (reads and worker records: nothing to announce). */
  stores: MetadataStores;
  queue: JobQueue;
  blobs: BlobStore;
  /** API keys, in the metadata database. */
  keys: KeyStore;
  /** Tenants' webhook signing secrets, in the metadata database. */
  webhookSecrets: WebhookSecretStore;
  /** This process's Prometheus metrics (served at `/metrics`). */
  metrics: Metrics;
  /** Where the API's rate limits are counted (`RATE_LIMIT_STORE`), and this process's count while it cannot answer. */
  rateLimits: { store: RateLimitStore; fallback: RateLimitStore };
  /** bull-board behind its token, when configured (Redis queue only). */
  queueDashboard?: QueueDashboardOptions;
  /** The child processes every probe (uploads) and render (jobs, lazy and re-renders) runs in. */
  imaging: { probe: ImagingPool; render: ImagingPool };
  /** `thumbsmith reprocess`: rerender jobs for images whose variants a preset change made stale. */
  reprocess(options?: { preset?: string }): Promise<{ scanned: number; enqueued: number }>;
  /** Free space on the disks this process writes to, against MIN_FREE_DISK_MB (uploads, `/readyz`). */
  diskSpace: DiskSpace;
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** The probe pool serves the API's uploads, the render pool the worker's jobs. */
  warm?: WarmPools;
}

/**
 * The composition root: the only code that constructs clients (through the backend openers), starts the imaging
 * child processes (which apply sharp's globals) and wires adapters to the service.
 */
export async function compose(config: Config, logger: Logger, options: ComposeOptions = {}): Promise<Runtime> {
  const closers = new Closers(logger);
  try {
    const tempDir = join(config.dataDir, 'tmp');
    await mkdir(tempDir, { recursive: true });
    await removeTempLeftovers(tempDir, logger);
    const imaging = startImagingPools(config, logger, options.warm ?? {}, closers);
    const metrics = createMetrics({ version: packageVersion() });

    const context = backendContext(config, { logger, closers });
    const { metadata, keys, idempotency, webhookSecrets } = await openDatabase(config, context);
    const queue = await openQueue(config, context);
    const blobs = await openStorage(config, context);
    const queueDashboard = await openQueueDashboard(config, context);
    const events = await openEvents(config, context);
    const rateLimits = await openRateLimitStores(config, context);
    const fetchers = openFetchers(config, closers);
    const ports = instrumentPorts({ metadata, queue, blobs }, config, metrics);
    const diskSpace = new DiskSpace({
      dirs: localDirs(config, context, tempDir),
      minFreeBytes: config.minFreeDiskBytes,
    });

    const services = buildServices(config, {
      ...ports,
      keys,
      idempotency,
      webhookSecrets,
      events,
      imaging,
      fetchers,
      diskSpace,
      tempDir,
      logger,
      metrics,
    });
    return {
      config,
      logger,
      stores: ports.metadata,
      queue: ports.queue,
      blobs: ports.blobs,
      keys,
      webhookSecrets,
      metrics,
      rateLimits,
      imaging,
      diskSpace,
      ...(queueDashboard ? { queueDashboard } : {}),
      service: services.service,
      handlers: services.handlers,
      lifecycle: services.lifecycle,
      watcher: services.watcher,
      access: services.access,
      idempotentSubmit: services.idempotentSubmit,
      sweep: services.sweep,
      reprocess: (reprocessOptions) => services.refresher.reprocess(reprocessOptions),
      close: () => closers.closeAll(),
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}
