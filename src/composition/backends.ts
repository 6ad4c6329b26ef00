import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { BullmqSection } from '../adapters/bullmq/index.js';
import type { DatabasePorts } from '../adapters/sql/index.js';
import type { Config, DatabaseConfig, QueueConfig, RateLimitStoreConfig, StorageConfig } from '../config/config.js';
import type { EventsConfig } from '../config/sections/events.js';
import { createRetryPolicy } from '../domain/backoff.js';
import type { QueueDashboardOptions } from '../http/queue-dashboard.js';
import type { OpenContext } from '../lib/closers.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ImageEvents } from '../ports/image-events.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { RateLimitStore } from '../ports/rate-limit-store.js';

/**
 * Which adapter serves each backend kind. Every adapter module is imported when its kind is configured, never
 * before: an embedded process never loads pg, ioredis or the AWS SDK.
 */

/** The one SQLite file the metadata and the embedded queue share, opened when the first of them needs it. */
export class SharedSqliteFile {
  #opened: Promise<BetterSqlite3.Database> | undefined;

  constructor(
    readonly path: string,
    private readonly context: OpenContext,
  ) {}

  open(): Promise<BetterSqlite3.Database> {
    this.#opened ??= import('../adapters/sqlite/index.js').then((sqlite) =>
      sqlite.openFile({ path: this.path }, this.context),
    );
    return this.#opened;
  }

  get isOpen(): boolean {
    return this.#opened !== undefined;
  }
}

/** What the openers share: the logger, the closers and the SQLite file. */
export interface BackendContext extends OpenContext {
  sqlite: SharedSqliteFile;
}

/** One function per kind of a configuration section; each gets its own variant of the section. */
type PerKind<Section extends { kind: string }, Args extends unknown[], Result> = {
  [Kind in Section['kind']]: (section: Extract<Section, { kind: Kind }>, ...args: Args) => Result;
};

function byKind<Section extends { kind: string }, Args extends unknown[], Result>(
  table: PerKind<Section, Args, Result>,
  section: Section,
  ...args: Args
): Result {
  const forKind = table[section.kind as Section['kind']] as (section: Section, ...args: Args) => Result;
  return forKind(section, ...args);
}

/** Pool sizing for a one-shot command; a server keeps the adapter's defaults. */
export interface DatabaseSizing {
  maxConnections?: number;
  connectionTimeoutMs?: number;
}

const DATABASES: PerKind<DatabaseConfig, [BackendContext, DatabaseSizing], Promise<DatabasePorts>> = {
  sqlite: async (_section, context) =>
    (await import('../adapters/sqlite/index.js')).openDatabase(await context.sqlite.open(), context),
  postgres: async (section, context, sizing) =>
    (await import('../adapters/postgres/index.js')).open({ url: section.url, ...sizing }, context),
};

const MIGRATIONS: PerKind<DatabaseConfig, [BackendContext], Promise<string[]>> = {
  sqlite: async (section) => (await import('../adapters/sqlite/index.js')).migrate(section),
  postgres: async (section, context) => (await import('../adapters/postgres/index.js')).migrate(section, context),
};

const QUEUES: PerKind<QueueConfig, [BackendContext, Config['jobs']], Promise<JobQueue>> = {
  sqlite: async (_section, context, jobs) =>
    (await import('../adapters/sqlite/index.js')).openQueue(
      await context.sqlite.open(),
      { policy: createRetryPolicy(jobs) },
      context,
    ),
  redis: (section, context, jobs) => openBullmqQueue(section, context, jobs),
  postgres: (section, context, jobs) => openBullmqQueue(section, context, jobs),
};

/** BullMQ serves both scale-out queues; only its backend differs. */
async function openBullmqQueue(section: BullmqSection, context: BackendContext, jobs: Config['jobs']) {
  return (await import('../adapters/bullmq/index.js')).open(section, createRetryPolicy(jobs), context);
}

/**
 * The events travel with the queue: a Redis stream beside the Redis one, a table with LISTEN/NOTIFY in the PostgreSQL
 * queue's schema beside that one; in-process beside the embedded queue (API and workers share the process).
 */
const EVENTS: PerKind<QueueConfig, [BackendContext, EventsConfig], Promise<ImageEvents>> = {
  sqlite: async (_section, context, retention) =>
    (await import('../adapters/memory/index.js')).open(retention, context),
  redis: async (section, context, retention) =>
    (await import('../adapters/redis/index.js')).open({ ...section, ...retention }, context),
  postgres: async ({ url, schema }, context, retention) =>
    (await import('../adapters/postgres/index.js')).openEvents({ url, schema, ...retention }, context),
};

/** bull-board is served for the Redis queue only (it is not tried on BullMQ's PostgreSQL backend). */
const QUEUE_DASHBOARDS: PerKind<
  QueueConfig,
  [BackendContext, token: string],
  Promise<QueueDashboardOptions | undefined>
> = {
  sqlite: async () => undefined,
  postgres: async () => undefined,
  redis: async (section, context, token) => {
    const { QUEUE_DASHBOARD_PATH } = await import('../http/queue-dashboard.js');
    const bullmq = await import('../adapters/bullmq/index.js');
    return { token, board: bullmq.openDashboard(section, QUEUE_DASHBOARD_PATH, context).plugin };
  },
};

/** Rate-limit counts: in this process, or in Redis shared by every API process. */
const RATE_LIMIT_STORES: PerKind<RateLimitStoreConfig, [BackendContext], Promise<RateLimitStore>> = {
  memory: async () => (await import('../adapters/memory/index.js')).openRateLimitStore(),
  redis: async (section, context) => (await import('../adapters/redis/index.js')).openRateLimitStore(section, context),
};

const STORAGES: PerKind<StorageConfig, [BackendContext], Promise<BlobStore>> = {
  fs: async (section, context) => (await import('../adapters/fs/index.js')).open(section, context),
  s3: async (section, context) => (await import('../adapters/s3/index.js')).open(section, context),
};

/** The span attribute naming each backend's system. */
export const DATABASE_SYSTEM = { sqlite: 'sqlite', postgres: 'postgresql' } as const;
export const QUEUE_SYSTEM = { sqlite: 'sqlite', redis: 'bullmq', postgres: 'bullmq' } as const;

/** The embedded database's file, or (Postgres with the embedded queue) the queue's own file in DATA_DIR. */
const SQLITE_PATHS: PerKind<DatabaseConfig, [dataDir: string], string> = {
  sqlite: (section) => section.path,
  postgres: (_section, dataDir) => join(dataDir, 'queue.db'),
};

/** The directory the blobs are written to, when they are local. */
const STORAGE_DIRS: PerKind<StorageConfig, [], string[]> = {
  fs: (section) => [section.root],
  s3: () => [],
};

export function backendContext(config: Config, context: OpenContext): BackendContext {
  return { ...context, sqlite: new SharedSqliteFile(byKind(SQLITE_PATHS, config.database, config.dataDir), context) };
}

export const openDatabase = (config: Config, context: BackendContext, sizing: DatabaseSizing = {}) =>
  byKind(DATABASES, config.database, context, sizing);
export const migrateDatabase = (config: Config, context: BackendContext) =>
  byKind(MIGRATIONS, config.database, context);
export const openQueue = (config: Config, context: BackendContext) =>
  byKind(QUEUES, config.queue, context, config.jobs);
export const openEvents = (config: Config, context: BackendContext) =>
  byKind(EVENTS, config.queue, context, config.events);
/** The configured rate-limit store, and a count in this process for the moments it cannot answer (fail open). */
export async function openRateLimitStores(config: Config, context: BackendContext) {
  return {
    store: await byKind(RATE_LIMIT_STORES, config.rateLimitStore, context),
    fallback: await RATE_LIMIT_STORES.memory({ kind: 'memory' }, context),
  };
}
export const openStorage = (config: Config, context: BackendContext) => byKind(STORAGES, config.storage, context);

/** bull-board behind its token, when it is turned on and the queue is on Redis. */
export function openQueueDashboard(config: Config, context: BackendContext) {
  const { enabled, token } = config.queueDashboard;
  return enabled && token ? byKind(QUEUE_DASHBOARDS, config.queue, context, token) : Promise.resolve(undefined);
}

/** The local directories this process writes to (temp files, the blob directory, the SQLite file's). */
export function localDirs(config: Config, context: BackendContext, tempDir: string): string[] {
  return [
    tempDir,
    ...byKind(STORAGE_DIRS, config.storage),
    ...(context.sqlite.isOpen ? [dirname(context.sqlite.path)] : []),
  ];
}
