import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { compose, type Runtime } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { issueKey, type Scope } from '../../src/domain/api-keys.js';
import type { ImageRecord } from '../../src/domain/image.js';
import type { ClaimedJob, JobDataByName, JobName } from '../../src/ports/job-queue.js';
import { type Role, runServer } from '../../src/server.js';
import { ContentBlobs } from '../../src/service/content-blobs.js';
import { VariantRefresher } from '../../src/service/variant-refresh.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startWorker } from '../../src/worker/worker.js';
import { waitFor } from './wait.js';

/**
 * Thumbsmith's whole service inside the test process, on the embedded adapters (SQLite, a blob directory, the
 * SQLite queue, real imaging children) in a fresh temp `DATA_DIR`, built by `compose()` exactly as the CLI builds it:
 * no mocks, no child process of our own, so a test can call the service objects directly or serve HTTP on port 0.
 */
export interface EmbeddedRuntime {
  runtime: Runtime;
  dataDir: string;
  /** Every log line at or above `LOG_LEVEL` (default `silent`: none), parsed. */
  logs: Array<Record<string, unknown>>;
  /**
   * Serves the HTTP API (and, for `all`, runs the workers and their consumer) on a free loopback port, as
   * `thumbsmith start|api|worker` would; returns its base URL. At most once.
   */
  serve(role?: Role): Promise<string>;
  /**
   * Stops the server if one runs (graceful, as SIGTERM) and closes the runtime; removes the data directory unless the
   * caller gave it (`DATA_DIR`), so that another runtime can open the same data, as a restarted process would.
   */
  close(): Promise<void>;
}

/** `env` is the process environment the service would see (`DATA_DIR` is a new temp directory unless given). */
export async function openEmbeddedRuntime(env: Record<string, string> = {}): Promise<EmbeddedRuntime> {
  const ownsDataDir = env.DATA_DIR === undefined;
  const dataDir = env.DATA_DIR ?? (await makeDataDir());
  const config = loadConfig({
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'json',
    // Sweeps and rate limits are driven or tested on purpose, never by the clock in the background.
    SWEEP_INTERVAL_MS: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const runtime = await compose(config, createLogger(config.log, logSink(logs)));
  let stopServer: (() => Promise<void>) | undefined;
  let closed: Promise<void> | undefined;
  return {
    runtime,
    dataDir,
    logs,
    serve: async (role = 'all') => {
      if (stopServer) throw new Error('this embedded runtime already serves');
      const server = await runServer(runtime, role);
      stopServer = server.stop;
      return server.url;
    },
    close: () => {
      // A running server closes the runtime itself when it stops.
      closed ??= (stopServer ? stopServer() : runtime.close()).finally(() =>
        ownsDataDir ? removeDataDir(dataDir) : undefined,
      );
      return closed;
    },
  };
}

/** An embedded runtime serving HTTP on a free port: the in-process counterpart of `startService()`. */
export interface EmbeddedServer {
  url: string;
  dataDir: string;
  runtime: Runtime;
  logs: Array<Record<string, unknown>>;
  /** One API key per entry of `keys`, in order (stored before the server starts, so every route needs one). */
  keys: string[];
  /** Graceful stop (as SIGTERM), then the data directory removed. */
  stop(): Promise<void>;
}

/** Opens an embedded runtime with `env`, stores the API keys asked for, and serves `role` (default `all`). */
export async function startEmbeddedServer(
  options: {
    role?: Role;
    env?: Record<string, string>;
    keys?: ReadonlyArray<{ tenant: string; scopes: readonly Scope[] }>;
  } = {},
): Promise<EmbeddedServer> {
  const embedded = await openEmbeddedRuntime(options.env);
  try {
    const keys: string[] = [];
    for (const { tenant, scopes } of options.keys ?? [])
      keys.push(await createApiKey(embedded.runtime, tenant, scopes));
    const url = await embedded.serve(options.role);
    const { dataDir, runtime, logs } = embedded;
    return { url, dataDir, runtime, logs, keys, stop: () => embedded.close() };
  } catch (error) {
    await embedded.close();
    throw error;
  }
}

export const makeDataDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'thumbsmith-embedded-'));
export const removeDataDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

function logSink(logs: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
}

/** Submits `bytes` as an upload of `tenant` straight to the service (what `POST /v1/images` does after parsing). */
export function submitBytes(
  runtime: Runtime,
  bytes: Uint8Array,
  options: { tenant?: string; filename?: string } = {},
): Promise<ImageRecord> {
  return runtime.service.submitUpload({
    stream: Readable.from([Buffer.from(bytes)]),
    filename: options.filename ?? 'upload.jpg',
    tenant: options.tenant ?? 'default',
  });
}

/** A delivery of a job as the queue would hand it to a handler: `attempt` of `maxAttempts`. */
export function deliveryOf<N extends JobName>(
  name: N,
  data: JobDataByName[N],
  { attempt = 1, maxAttempts = 3 }: { attempt?: number; maxAttempts?: number } = {},
): ClaimedJob<N> {
  return { id: `${name}:test`, name, data, attempt, maxAttempts, enqueuedAt: new Date(), carrier: {} };
}

/** Runs the runtime's render job handler for one image, as the worker would for that delivery. */
export function runRenderJob(
  runtime: Runtime,
  imageId: string,
  delivery: { attempt?: number; maxAttempts?: number } = {},
): Promise<void> {
  return runtime.handlers.render(deliveryOf('render', { imageId }, delivery), new AbortController().signal);
}

/**
 * Runs the runtime's job handlers on its queue (as `thumbsmith worker` does) until no job is waiting, running or
 * waiting out a backoff, then stops the consumer.
 */
export async function workOffQueue(runtime: Runtime, timeoutMs = 30_000): Promise<void> {
  const consumer = startWorker(runtime.queue, runtime.handlers, 1);
  try {
    await waitFor(
      'the queue to empty',
      async () => {
        const { waiting, active, delayed } = await runtime.queue.counts();
        return waiting + active + delayed === 0;
      },
      { timeoutMs },
    );
  } finally {
    await consumer.stop();
  }
}

/**
 * The lifecycle parts compose() wires internally but the Runtime does not expose, built from the Runtime's own ports
 * and configuration as compose() builds them. The one place to change when the composition root or the ports change.
 */
export function lifecyclePartsOf(runtime: Runtime): { content: ContentBlobs; refresher: VariantRefresher } {
  const { stores, blobs, queue, logger, config } = runtime;
  const { images, contents, maintenance } = stores;
  const content = new ContentBlobs({ contents, blobs, logger });
  const refresher = new VariantRefresher({
    images,
    contents,
    maintenance,
    blobs,
    content,
    queue,
    presets: config.presets,
    limits: { ...config.limits },
    imager: runtime.imaging.render,
    timeoutMs: config.jobs.timeoutMs,
    tempDir: join(config.dataDir, 'tmp'),
    logger,
  });
  return { content, refresher };
}

/** Stores a new API key of `tenant` in the runtime's key store, as `thumbsmith keys create` does; returns the key. */
export async function createApiKey(runtime: Runtime, tenant: string, scopes: readonly Scope[]): Promise<string> {
  const issued = issueKey();
  await runtime.keys.create({
    id: issued.id,
    tenant,
    name: `${tenant}-${scopes.join(',')}`,
    scopes,
    hash: issued.hash,
    createdAt: new Date(),
  });
  return issued.key;
}
