import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { OpenMetadataStores } from './adapters/sql/kysely-metadata-stores.js';
import type { MetadataDatabase } from './adapters/sql/schema.js';
import { composeLifecycle } from './compose-lifecycle.js';
import type { Config } from './config/config.js';
import { createRetryPolicy } from './domain/backoff.js';
import type { QueueDashboardOptions } from './http/queue-dashboard.js';
import { ImagingPool } from './imaging/index.js';
import { packageVersion } from './package-version.js';
import type { BlobStore } from './ports/blob-store.js';
import type { IdempotencyStore } from './ports/idempotency-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { KeyStore } from './ports/key-store.js';
import type { MetadataStores } from './ports/metadata-store.js';
import { DiskSpace } from './service/disk-space.js';
import type { ImageLifecycle } from './service/image-lifecycle.js';
import { ImageService } from './service/image-service.js';
import type { ImageWatcher } from './service/image-watch.js';
import { createRenderJobHandler } from './service/render-job.js';
import type { MaintenanceReport } from './service/retention.js';
import { sweepStaleQueued } from './service/sweeper.js';
import { removeDeadTempFiles } from './service/temp-files.js';
import { instrumentBlobStore, instrumentMetadataStores } from './telemetry/instrumented-ports.js';
import type { Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { traceQueue } from './telemetry/traced-queue.js';
import type { JobHandlers } from './worker/worker.js';

/** Everything a process needs, built from configuration in dependency order and closed in reverse. */
export interface Runtime {
  config: Config;
  logger: Logger;
  metadata: MetadataStores;
  queue: JobQueue;
  blobs: BlobStore;
  service: ImageService;
  handlers: JobHandlers;
  /** This process's Prometheus metrics (served at `/metrics`). */
  metrics: Metrics;
  /** bull-board behind its token, when configured (Redis queue only). */
  queueDashboard?: QueueDashboardOptions;
  /** Lists, deletes and retries images (issue 8). */
  lifecycle: ImageLifecycle;
  /** Waits and event streams. */
  watcher: ImageWatcher;
  /** API keys (issue 7), in the metadata database. */
  keys: KeyStore;
  /** `Idempotency-Key`s of uploads (issue 7), in the metadata database. */
  idempotency: IdempotencyStore;
  /** The child processes every probe (uploads) and render (jobs, lazy and re-renders) runs in. */
  imaging: { probe: ImagingPool; render: ImagingPool };
  /** `thumbsmith reprocess`: rerender jobs for images whose variants a preset change made stale. */
  reprocess(options?: { preset?: string }): Promise<{ scanned: number; enqueued: number }>;
  /**
   * Removes temp files of dead processes, re-enqueues stuck images, applies retention, reaps leaked content
   * references and (when due, or with `force`) collects garbage blobs. The periodic sweeper calls it without
   * options; `thumbsmith sweep` forces everything.
   */
  sweep(options?: { force?: boolean }): Promise<{ requeued: number; tempFiles: number } & MaintenanceReport>;
  /** Free space on the disks this process writes to, against MIN_FREE_DISK_MB (uploads, `/readyz`). */
  diskSpace: DiskSpace;
  close(): Promise<void>;
}

/**
 * Longest wait for one resource to close. A client whose connection died without a reset (a Postgres connection cut
 * by the network mid-query: pg's pool.end() waits for it forever) must not keep a stopping process alive.
 */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * A temp file of another host (a container sharing DATA_DIR, whose pids mean nothing here) untouched this long is a
 * leftover: a live upload touches its spool file with every write, a render reads its copy for minutes at most.
 */
const FOREIGN_TEMP_STALE_MS = 24 * 60 * 60 * 1000;

/**
 * `thumbsmith migrate`: brings the configured metadata database's schema up to date and returns the names of the
 * migrations applied (none when current). Touches nothing else: no queue, no storage, no sharp.
 */
export async function migrateDatabase(config: Config): Promise<string[]> {
  if (config.database.kind === 'sqlite') {
    const { migrateSqliteFile } = await import('./adapters/sqlite/sqlite-metadata-store.js');
    return migrateSqliteFile(config.database.path);
  }
  const { migratePostgresDatabase } = await import('./adapters/postgres/postgres-metadata-store.js');
  return migratePostgresDatabase(config.database.url);
}

export interface ComposeOptions {
  /**
   * Which imaging pools start their children at once: the probe pool serves the API's uploads, the render pool the
   * worker's jobs. A pool not warmed starts a child when first asked (an API's on-request re-render).
   */
  warm?: { probe?: boolean; render?: boolean };
}

/**
 * The composition root: the only code that constructs clients (better-sqlite3, pg, ioredis, S3), starts the imaging
 * child processes (which apply sharp's globals) and wires adapters to the service. Adapter modules are imported lazily
 * so an embedded process never loads the Postgres, Redis or AWS clients.
 */
export async function compose(config: Config, logger: Logger, options: ComposeOptions = {}): Promise<Runtime> {
  const closers: Array<{ name: string; close: () => Promise<unknown> | unknown }> = [];
  const close = async () => {
    for (const { name, close: closeOne } of closers.reverse()) {
      try {
        const finished = await Promise.race([
          Promise.resolve(closeOne()).then(() => true),
          new Promise<false>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS, false).unref()),
        ]);
        if (!finished) logger.error({ resource: name, timeoutMs: CLOSE_TIMEOUT_MS }, 'close timed out; going on');
      } catch (error) {
        logger.error({ err: error, resource: name }, 'close failed');
      }
    }
  };
  try {
    const tempDir = join(config.dataDir, 'tmp');
    await mkdir(tempDir, { recursive: true });
    const removeTempLeftovers = async () => {
      try {
        const removed = await removeDeadTempFiles(tempDir, FOREIGN_TEMP_STALE_MS);
        if (removed > 0) logger.info({ removed, dir: tempDir }, 'removed temp files of processes that are gone');
        return removed;
      } catch (error) {
        // Leftovers only cost disk space (readiness reports it): never a reason not to start or sweep.
        logger.warn({ err: error, dir: tempDir }, 'could not remove temp files of processes that are gone');
        return 0;
      }
    };
    // Spool files and original copies of a process that was killed: nothing else would ever remove them.
    await removeTempLeftovers();
    const imaging = composeImaging(config, logger, options.warm ?? {}, closers);
    const metrics = createMetrics({ version: packageVersion() });

    let sqlite: import('better-sqlite3').Database | undefined;
    const openSqlite = async () => {
      if (!sqlite) {
        const path = config.database.kind === 'sqlite' ? config.database.path : join(config.dataDir, 'queue.db');
        const { openSqliteDatabase } = await import('./adapters/sqlite/sqlite-database.js');
        const database = openSqliteDatabase(path);
        sqlite = database;
        closers.push({ name: 'sqlite', close: () => database.close() });
      }
      return sqlite;
    };

    let opened: OpenMetadataStores;
    // Shares the metadata database and its migrations (api_keys is migration 0004).
    let securityDb: Kysely<MetadataDatabase>;
    const { KyselyKeyStore } = await import('./adapters/sql/kysely-key-store.js');
    const { KyselyIdempotencyStore } = await import('./adapters/sql/kysely-idempotency-store.js');
    if (config.database.kind === 'sqlite') {
      const { createSqliteMetadataStore } = await import('./adapters/sqlite/sqlite-metadata-store.js');
      opened = await createSqliteMetadataStore(await openSqlite());
      const { createSqliteKysely } = await import('./adapters/sql/sqlite-kysely.js');
      securityDb = createSqliteKysely(await openSqlite());
    } else {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: config.database.url, max: 10, connectionTimeoutMillis: 5000 });
      pool.on('error', (error) => logger.warn({ err: error }, 'idle Postgres client error'));
      // A client that is checked out but between queries when the server goes away emits 'error' on itself; with no
      // listener that would crash the process (the pool only listens on idle clients). The next query fails instead.
      pool.on('connect', (client) => {
        client.on('error', (error) => logger.warn({ err: error }, 'Postgres connection lost'));
      });
      closers.push({ name: 'postgres', close: () => pool.end() });
      const { createPostgresMetadataStore } = await import('./adapters/postgres/postgres-metadata-store.js');
      opened = await createPostgresMetadataStore(pool);
      const { createPostgresKysely } = await import('./adapters/sql/postgres-kysely.js');
      securityDb = createPostgresKysely(pool);
    }
    const keys = new KyselyKeyStore(securityDb, { ownsDb: true });
    const idempotency = new KyselyIdempotencyStore(securityDb);
    closers.push({ name: 'keys', close: () => keys.close() });
    closers.push({ name: 'metadata', close: () => opened.close() });
    // Every port call gets a span (inside a trace) and a latency observation; the service sees the same ports.
    let metadata = instrumentMetadataStores(opened, {
      system: config.database.kind === 'sqlite' ? 'sqlite' : 'postgresql',
      metrics,
    });

    const policy = createRetryPolicy(config.jobs);
    let queue: JobQueue;
    if (config.queue.kind === 'sqlite') {
      const { createSqliteJobQueue } = await import('./adapters/sqlite/sqlite-job-queue.js');
      queue = createSqliteJobQueue(await openSqlite(), policy, {
        onError: (error) => logger.warn({ err: error }, 'queue error (recovered)'),
      });
    } else {
      const { createBullmqJobQueue } = await import('./adapters/bullmq/bullmq-job-queue.js');
      queue = createBullmqJobQueue({
        connection: config.queue.url,
        prefix: config.queue.prefix,
        policy,
        onError: (error) => logger.warn({ err: error }, 'queue connection error'),
      });
    }
    closers.push({ name: 'queue', close: () => queue.close() });
    // Carries each upload's trace context through the job to the worker.
    queue = traceQueue(queue, { system: config.queue.kind === 'sqlite' ? 'sqlite' : 'bullmq', metrics });

    let blobs: BlobStore;
    if (config.storage.kind === 'fs') {
      const { createFsBlobStore } = await import('./adapters/fs/fs-blob-store.js');
      blobs = await createFsBlobStore(config.storage.root);
    } else {
      const { createS3Client } = await import('./adapters/s3/s3-client.js');
      const { createS3BlobStore } = await import('./adapters/s3/s3-blob-store.js');
      const client = createS3Client({
        endpoint: config.storage.endpoint,
        region: config.storage.region,
        forcePathStyle: config.storage.forcePathStyle,
      });
      blobs = createS3BlobStore({ client, bucket: config.storage.bucket, prefix: config.storage.prefix });
    }
    closers.push({ name: 'blobs', close: () => blobs.close() });
    blobs = instrumentBlobStore(blobs, { system: config.storage.kind, metrics });

    let queueDashboard: QueueDashboardOptions | undefined;
    if (config.queueDashboard.enabled && config.queueDashboard.token && config.queue.kind === 'redis') {
      const { createBullmqDashboard } = await import('./adapters/bullmq/bullmq-dashboard.js');
      const { QUEUE_DASHBOARD_PATH } = await import('./http/queue-dashboard.js');
      const dashboard = createBullmqDashboard({
        connection: config.queue.url,
        prefix: config.queue.prefix,
        basePath: QUEUE_DASHBOARD_PATH,
        onError: (error) => logger.warn({ err: error }, 'queue dashboard connection error'),
      });
      closers.push({ name: 'queue dashboard', close: () => dashboard.close() });
      queueDashboard = { token: config.queueDashboard.token, board: dashboard.plugin };
    }

    // Issue 8: status events, webhooks, content-addressed blobs, list/delete/retry, waits, preset refresh, retention.
    const lifecycle = await composeLifecycle(
      config,
      { metadata, queue, blobs, imager: imaging.render, tempDir, logger },
      closers,
    );
    metadata = lifecycle.metadata;

    const diskSpace = new DiskSpace({
      dirs: [
        tempDir,
        ...(config.storage.kind === 'fs' ? [config.storage.root] : []),
        ...(sqlite ? [dirname(sqlite.name)] : []),
      ],
      minFreeBytes: config.minFreeDiskBytes,
    });
    const limits = { ...config.limits };
    const service = new ImageService({
      diskSpace,
      images: metadata.images,
      queue,
      blobs,
      presets: config.presets,
      limits,
      imager: imaging.probe,
      tempDir,
      logger,
      metrics,
      ...lifecycle.serviceDeps,
    });
    const render = createRenderJobHandler({
      images: metadata.images,
      blobs,
      presets: config.presets,
      limits,
      imager: imaging.render,
      timeoutMs: config.jobs.timeoutMs,
      tempDir,
      logger,
      metrics,
      ...lifecycle.renderDeps,
    });
    return {
      config,
      logger,
      metadata,
      queue,
      blobs,
      service,
      handlers: { render, ...lifecycle.handlers },
      lifecycle: lifecycle.lifecycle,
      watcher: lifecycle.watcher,
      keys,
      idempotency,
      imaging,
      reprocess: (options) => lifecycle.refresher.reprocess(options),
      metrics,
      diskSpace,
      ...(queueDashboard ? { queueDashboard } : {}),
      sweep: async (options) => {
        const tempFiles = await removeTempLeftovers();
        const requeue = await sweepStaleQueued({
          maintenance: metadata.maintenance,
          enqueueRender: (id) => service.enqueueRender(id),
          staleMs: config.sweep.staleMs,
          processingStaleMs: config.sweep.processingStaleMs,
          logger,
        });
        return { ...requeue, tempFiles, ...(await lifecycle.maintenance.run(options)) };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The imaging pools: every probe and render runs in a child process with a deadline and a memory ceiling. Uploads are
 * probed in their own children (PROBE_CHILDREN), so a probe never waits behind a render; jobs render in
 * WORKER_CONCURRENCY children, one per job the consumer runs at once.
 */
function composeImaging(
  config: Config,
  logger: Logger,
  warm: NonNullable<ComposeOptions['warm']>,
  closers: Array<{ name: string; close: () => Promise<unknown> | unknown }>,
): { probe: ImagingPool; render: ImagingPool } {
  const budgets = {
    memoryLimitMb: config.isolation.memoryLimitMb,
    probeTimeoutMs: config.isolation.probeTimeoutMs,
    renderTimeoutMs: config.jobs.timeoutMs,
    settings: { concurrency: config.worker.imagingThreads, cacheMemoryMb: config.worker.imagingCacheMb },
    logger,
  };
  const probe = new ImagingPool({ ...budgets, name: 'probe', size: config.isolation.probeChildren });
  const render = new ImagingPool({ ...budgets, name: 'render', size: config.worker.concurrency });
  closers.push({ name: 'probe children', close: () => probe.close() });
  closers.push({ name: 'render children', close: () => render.close() });
  if (warm.probe) probe.warm();
  if (warm.render) render.warm();
  return { probe, render };
}
