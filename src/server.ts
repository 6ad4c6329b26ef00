import type { Runtime } from './compose.js';
import { type AppDeps, buildApp } from './http/app.js';
import { isLoopbackHost } from './http/auth.js';
import { settleWithin } from './lib/timeout.js';
import { packageVersion } from './package-version.js';
import type { JobConsumer } from './ports/job-queue.js';
import { ListenFailed } from './startup.js';
import { startHeartbeat } from './worker/heartbeat.js';
import { startWorker } from './worker/worker.js';

export type Role = 'all' | 'api' | 'worker';

export interface RunningServer {
  /** `http://host:port` the server listens on. */
  url: string;
  /** Graceful: stop accepting requests, drain jobs, close every resource. Memoised. */
  stop(): Promise<void>;
}

/** The workers of this process, once started (after the port is bound); until then /readyz reports them not running. */
interface Workers {
  consumer?: JobConsumer;
  heartbeat?: ReturnType<typeof startHeartbeat>;
  stopping: boolean;
}

type App = Awaited<ReturnType<typeof buildApp>>;

/**
 * Runs a process role on a composed runtime: the HTTP API (`api`), the workers (`worker`), or both (`all`, the
 * embedded default). Every role serves `/healthz` and `/readyz`; the sweeper runs in API processes.
 */
export async function runServer(runtime: Runtime, role: Role): Promise<RunningServer> {
  const { config, logger } = runtime;
  runtime.metrics.setRole(role);
  runtime.metrics.trackQueue(
    () => runtime.queue.counts(),
    (error) => logger.debug({ err: error }, 'queue depth unavailable for /metrics'),
  );
  const workers: Workers = { stopping: false };
  const app = await buildRoleApp(runtime, role, workers);
  const address = await listen(app, runtime);
  if (role !== 'api') startWorkers(runtime, workers);
  const sweeper = role !== 'worker' ? startSweeper(runtime) : undefined;
  logger.info({ address, role, presets: config.presets.map((p) => p.name) }, 'thumbsmith listening');
  await warnAboutExposure(runtime, role);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= shutdown(runtime, role, { app, workers, sweeper });
    return stopped;
  };
  return { url: address, stop };
}

/**
 * A role's HTTP app on a composed runtime, not yet listening: `runServer` serves it with its workers, a test
 * `inject()`s requests into it without workers (reported as not running) when a socket is not what it tests.
 */
export function buildRoleApp(runtime: Runtime, role: Role, workers: Workers = { stopping: false }): Promise<App> {
  return buildApp(appDeps(runtime, role, workers));
}

/** A heartbeat this old marks a worker as gone in /readyz: two leases, at least 10 s. */
const heartbeatStaleMs = (runtime: Runtime) => Math.max(10_000, runtime.config.jobs.leaseMs * 2);

/** The HTTP app's view of the runtime: worker processes serve only health and metrics. */
function appDeps(runtime: Runtime, role: Role, workers: Workers): AppDeps {
  const { config, stores, queue } = runtime;
  return {
    service: runtime.service,
    logger: runtime.logger,
    maxUploadBytes: config.limits.maxUploadBytes,
    publicUrl: config.server.publicUrl,
    version: packageVersion(),
    routes: role === 'worker' ? 'health' : 'all',
    lifecycle: runtime.lifecycle,
    watcher: runtime.watcher,
    metrics: runtime.metrics,
    corsOrigins: config.security.corsOrigins,
    timeouts: {
      headersTimeoutMs: config.security.headersTimeoutMs,
      keepAliveTimeoutMs: config.security.keepAliveTimeoutMs,
      bodyRate: {
        minBytesPerSecond: config.security.uploadMinBytesPerSecond,
        windowMs: config.security.uploadRateWindowMs,
      },
    },
    idempotency: runtime.idempotentSubmit,
    rateLimit: {
      perMinute: config.security.rateLimitPerMinute,
      uploadsPerMinute: config.security.uploadRateLimitPerMinute,
      ...runtime.rateLimits,
      metrics: runtime.metrics,
      maxQueueDepth: config.security.maxQueueDepth,
      queueCounts: () => queue.counts(),
    },
    auth: {
      verifier: runtime.access,
      signingKeys: config.security.signingKeys,
      signedUrlTtlSeconds: config.security.signedUrlTtlSeconds,
      tenantOf: async (id) => (await stores.images.getImage(id))?.tenant,
    },
    ...(runtime.queueDashboard ? { queueDashboard: runtime.queueDashboard } : {}),
    health: {
      dependencies: { database: () => stores.ping(), queue: () => queue.ping(), storage: () => runtime.blobs.ping() },
      disk: () => runtime.diskSpace.check(),
      ...(role !== 'api' && {
        workers: () => ({
          running: workers.consumer !== undefined && !workers.stopping,
          active: workers.consumer?.activeCount() ?? 0,
          lastHeartbeat: workers.consumer?.lastHeartbeat(),
          ...(workers.heartbeat ? { workerId: workers.heartbeat.workerId } : {}),
        }),
      }),
      heartbeatStaleMs: heartbeatStaleMs(runtime),
      heartbeats: (since) => stores.workers.listHeartbeats(since),
    },
  };
}

/**
 * The port first: a process that cannot serve (the port is taken, e.g. by a second `npm start`) must exit before its
 * worker claims a job or heart-beats into the other process's /readyz.
 */
async function listen(app: App, { config }: Runtime): Promise<string> {
  try {
    return await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await app.close();
    throw new ListenFailed(error);
  }
}

/** The job consumer, its shared heartbeat record (so any process lists it in /readyz) and its metrics. */
function startWorkers(runtime: Runtime, workers: Workers): void {
  const { config } = runtime;
  const consumer = startWorker(runtime.queue, runtime.handlers, config.worker.concurrency);
  workers.consumer = consumer;
  workers.heartbeat = startHeartbeat({
    consumer,
    workers: runtime.stores.workers,
    concurrency: config.worker.concurrency,
    intervalMs: Math.min(5_000, Math.floor(heartbeatStaleMs(runtime) / 4)),
    logger: runtime.logger,
  });
  runtime.metrics.trackWorkers({
    active: () => consumer.activeCount(),
    concurrency: config.worker.concurrency,
    lastHeartbeat: () => consumer.lastHeartbeat(),
  });
}

/** The periodic sweep (SWEEP_INTERVAL_MS; 0 = off); it never keeps the process alive. */
function startSweeper({ config, logger, sweep }: Runtime): NodeJS.Timeout | undefined {
  if (config.sweep.intervalMs <= 0) return undefined;
  const sweeper = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, 'sweep failed'));
  }, config.sweep.intervalMs);
  sweeper.unref();
  return sweeper;
}

/** Says so loudly when anyone who can reach the address may use the API, or a loopback exception is on. */
async function warnAboutExposure({ config, logger, keys }: Runtime, role: Role): Promise<void> {
  if (role !== 'worker' && !isLoopbackHost(config.server.host) && !(await keys.anyActive())) {
    const warning =
      `WARNING: listening on ${config.server.host} with no API key: anyone who can reach this address can upload, ` +
      'read and delete images. Create one with `thumbsmith keys create --tenant NAME`.';
    logger.warn({ host: config.server.host }, warning);
    process.stderr.write(`\n*** ${warning} ***\n\n`);
  }
  const loopbackExceptions = [
    ['FETCH_ALLOW_LOOPBACK', config.fetch.allowLoopback, 'uploads by URL'],
    ['WEBHOOK_ALLOW_LOOPBACK', config.webhooks.allowLoopback, 'webhooks'],
  ] as const;
  for (const [variable, on, what] of loopbackExceptions) {
    if (on) logger.warn({ variable }, `${variable}=true: ${what} may reach services on this machine (tests only)`);
  }
}

/** Stops the sweeper, drains requests and jobs (each within WORKER_DRAIN_TIMEOUT_MS), then closes the runtime. */
async function shutdown(
  runtime: Runtime,
  role: Role,
  running: { app: App; workers: Workers; sweeper: NodeJS.Timeout | undefined },
): Promise<void> {
  const { config, logger } = runtime;
  const { app, workers, sweeper } = running;
  const drainMs = config.worker.drainTimeoutMs;
  workers.stopping = true;
  if (sweeper) clearInterval(sweeper);
  logger.info({ role }, 'shutting down: draining requests and jobs');
  // A request stuck on a dependency (a query on a connection the network cut without a reset) would hold
  // app.close() forever: requests get the same drain time as jobs, then the runtime closes under them.
  const [requests] = await Promise.allSettled([settleWithin(app.close(), drainMs), workers.consumer?.stop(drainMs)]);
  if (requests.status === 'fulfilled' && !requests.value) {
    logger.warn({ timeoutMs: drainMs }, 'requests still running at the drain deadline');
  }
  await workers.heartbeat?.stop();
  await runtime.close();
  logger.info('shut down');
}
