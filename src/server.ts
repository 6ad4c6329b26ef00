import type { Runtime } from './compose.js';
import { buildApp } from './http/app.js';
import { isLoopbackHost } from './http/auth.js';
import type { JobConsumer } from './ports/job-queue.js';
import { ApiKeyVerifier } from './service/access.js';
import { IdempotentSubmitter } from './service/idempotent-submit.js';
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

/**
 * Runs a process role on a composed runtime: the HTTP API (`api`), the workers (`worker`), or both (`all`, the
 * embedded default). Every role serves `/healthz` and `/readyz`; the sweeper runs in API processes.
 */
export async function runServer(runtime: Runtime, role: Role): Promise<RunningServer> {
  const { config, logger } = runtime;
  const heartbeatStaleMs = Math.max(10_000, config.jobs.leaseMs * 2);
  runtime.metrics.setRole(role);
  runtime.metrics.trackQueue(
    () => runtime.queue.counts(),
    (error) => logger.debug({ err: error }, 'queue depth unavailable for /metrics'),
  );
  // Started only once the port is bound (see below); until then /readyz reports the workers as not running.
  let consumer: JobConsumer | undefined;
  let heartbeat: ReturnType<typeof startHeartbeat> | undefined;
  let stopping = false;
  const app = await buildApp({
    service: runtime.service,
    logger,
    maxUploadBytes: config.limits.maxUploadBytes,
    publicUrl: config.server.publicUrl,
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
    idempotency: new IdempotentSubmitter(runtime.idempotency),
    rateLimit: {
      perMinute: config.security.rateLimitPerMinute,
      uploadsPerMinute: config.security.uploadRateLimitPerMinute,
      maxQueueDepth: config.security.maxQueueDepth,
      queueCounts: () => runtime.queue.counts(),
    },
    auth: {
      verifier: new ApiKeyVerifier(runtime.keys),
      signingKeys: config.security.signingKeys,
      signedUrlTtlSeconds: config.security.signedUrlTtlSeconds,
      tenantOf: async (id) => (await runtime.metadata.images.getImage(id))?.tenant,
    },
    ...(runtime.queueDashboard ? { queueDashboard: runtime.queueDashboard } : {}),
    health: {
      dependencies: {
        database: () => runtime.metadata.ping(),
        queue: () => runtime.queue.ping(),
        storage: () => runtime.blobs.ping(),
      },
      disk: () => runtime.diskSpace.check(),
      ...(role !== 'api' && {
        workers: () => ({
          running: consumer !== undefined && !stopping,
          active: consumer?.activeCount() ?? 0,
          lastHeartbeat: consumer?.lastHeartbeat(),
          ...(heartbeat ? { workerId: heartbeat.workerId } : {}),
        }),
      }),
      heartbeatStaleMs,
      heartbeats: (since) => runtime.metadata.workers.listHeartbeats(since),
    },
  });
  // The port first: a process that cannot serve (the port is taken, e.g. by a second `npm start`) must exit before its
  // worker claims a job or heart-beats into the other process's /readyz.
  let address: string;
  try {
    address = await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await app.close();
    throw new ListenFailed(error);
  }
  if (role !== 'api') {
    const started = startWorker(runtime.queue, runtime.handlers, config.worker.concurrency);
    consumer = started;
    // Shared heartbeat records let any process (an API in scale-out) list the workers in /readyz.
    heartbeat = startHeartbeat({
      consumer: started,
      workers: runtime.metadata.workers,
      concurrency: config.worker.concurrency,
      intervalMs: Math.min(5_000, Math.floor(heartbeatStaleMs / 4)),
      logger,
    });
    runtime.metrics.trackWorkers({
      active: () => started.activeCount(),
      concurrency: config.worker.concurrency,
      lastHeartbeat: () => started.lastHeartbeat(),
    });
  }
  const sweeper =
    role !== 'worker' && config.sweep.intervalMs > 0
      ? setInterval(() => {
          runtime.sweep().catch((error: unknown) => logger.warn({ err: error }, 'sweep failed'));
        }, config.sweep.intervalMs)
      : undefined;
  sweeper?.unref();
  logger.info({ address, role, presets: config.presets.map((p) => p.name) }, 'thumbsmith listening');
  if (role !== 'worker' && !isLoopbackHost(config.server.host) && !(await runtime.keys.anyActive())) {
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

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      if (sweeper) clearInterval(sweeper);
      logger.info({ role }, 'shutting down: draining requests and jobs');
      // A request stuck on a dependency (a query on a connection the network cut without a reset) would hold
      // app.close() forever: requests get the same drain time as jobs, then the runtime closes under them.
      const requestsDrained = Promise.race([
        app.close().then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, config.worker.drainTimeoutMs, false).unref()),
      ]);
      const [requests] = await Promise.allSettled([requestsDrained, consumer?.stop(config.worker.drainTimeoutMs)]);
      if (requests.status === 'fulfilled' && !requests.value) {
        logger.warn({ timeoutMs: config.worker.drainTimeoutMs }, 'requests still running at the drain deadline');
      }
      await heartbeat?.stop();
      await runtime.close();
      logger.info('shut down');
    })();
    return stopped;
  };
  return { url: address, stop };
}
