import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config/config.js';
import { createRetryPolicy } from './domain/backoff.js';
import { configureImaging } from './imaging/index.js';
import type { BlobStore } from './ports/blob-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { MetadataStore } from './ports/metadata-store.js';
import { ImageService } from './service/image-service.js';
import { createRenderJobHandler } from './service/render-job.js';
import { sweepStaleQueued } from './service/sweeper.js';
import type { Logger } from './telemetry/logger.js';
import type { JobHandlers } from './worker/worker.js';

/** Everything a process needs, built from configuration in dependency order and closed in reverse. */
export interface Runtime {
  config: Config;
  logger: Logger;
  metadata: MetadataStore;
  queue: JobQueue;
  blobs: BlobStore;
  service: ImageService;
  handlers: JobHandlers;
  sweep(): Promise<{ requeued: number }>;
  close(): Promise<void>;
}

/**
 * The composition root: the only code that constructs clients (better-sqlite3, pg, ioredis, S3), sets sharp's
 * globals and wires adapters to the service. Adapter modules are imported lazily so an embedded process never loads
 * the Postgres, Redis or AWS clients.
 */
export async function compose(config: Config, logger: Logger): Promise<Runtime> {
  const closers: Array<{ name: string; close: () => Promise<unknown> | unknown }> = [];
  const close = async () => {
    for (const { name, close: closeOne } of closers.reverse()) {
      try {
        await closeOne();
      } catch (error) {
        logger.error({ err: error, resource: name }, 'close failed');
      }
    }
  };
  try {
    const tempDir = join(config.dataDir, 'tmp');
    await mkdir(tempDir, { recursive: true });
    configureImaging({ concurrency: config.worker.imagingThreads, cacheMemoryMb: config.worker.imagingCacheMb });

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

    let metadata: MetadataStore;
    if (config.database.kind === 'sqlite') {
      const { createSqliteMetadataStore } = await import('./adapters/sqlite/sqlite-metadata-store.js');
      metadata = await createSqliteMetadataStore(await openSqlite());
    } else {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: config.database.url, max: 10, connectionTimeoutMillis: 5000 });
      pool.on('error', (error) => logger.warn({ err: error }, 'idle Postgres client error'));
      closers.push({ name: 'postgres', close: () => pool.end() });
      const { createPostgresMetadataStore } = await import('./adapters/postgres/postgres-metadata-store.js');
      metadata = await createPostgresMetadataStore(pool);
    }
    closers.push({ name: 'metadata', close: () => metadata.close() });

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
        policy,
        onError: (error) => logger.warn({ err: error }, 'queue connection error'),
      });
    }
    closers.push({ name: 'queue', close: () => queue.close() });

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

    const limits = { ...config.limits };
    const service = new ImageService({ metadata, queue, blobs, presets: config.presets, limits, tempDir, logger });
    const render = createRenderJobHandler({
      metadata,
      blobs,
      presets: config.presets,
      limits,
      timeoutMs: config.jobs.timeoutMs,
      tempDir,
      logger,
    });
    return {
      config,
      logger,
      metadata,
      queue,
      blobs,
      service,
      handlers: { render },
      sweep: () =>
        sweepStaleQueued({
          metadata,
          enqueueRender: (id) => service.enqueueRender(id),
          staleMs: config.sweep.staleMs,
          logger,
        }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
