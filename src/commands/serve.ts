import type { WarmPools } from '../composition/imaging.js';
import { settleWithin } from '../lib/timeout.js';
import type { Role, RunningServer } from '../server.js';
import { prepareDirectories } from '../startup.js';
import { type Context, EXIT } from './command.js';

/** How long the exit waits for buffered spans to reach the collector. */
const TRACE_FLUSH_TIMEOUT_MS = 3_000;
/** After a graceful stop, how long leftover handles may keep the process alive before it exits anyway. */
const EXIT_GRACE_MS = 2_000;

/**
 * The whole runtime, once every directory it writes to is known to be usable. `warm` starts the imaging children a
 * role needs at once (the API probes uploads, the worker renders); other pools start a child when first asked.
 */
export async function composeRuntime({ config, logger }: Context, warm: WarmPools = {}) {
  await prepareDirectories(config, 'all');
  const { compose } = await import('../compose.js');
  return compose(config, logger, { warm });
}

/** `start`, `api`, `worker`: serves until SIGTERM or SIGINT, then drains. */
export async function serve(role: Role, context: Context): Promise<number> {
  const { config, logger } = context;
  const [{ runServer }, { installTracing }] = await Promise.all([
    import('../server.js'),
    import('../telemetry/tracing.js'),
  ]);
  const runtime = await composeRuntime(context, {
    probe: role === 'all' || role === 'api',
    render: role === 'all' || role === 'worker',
  });
  // Off unless the standard OTEL_* variables turn an exporter on; ids propagate either way (see config/tracing.ts).
  const tracing = await installTracing(config.tracing);
  if (tracing.recording) logger.info({ exporters: config.tracing.exporters }, 'tracing on');
  let server: RunningServer;
  try {
    server = await runServer(runtime, role);
  } catch (error) {
    // Nothing has run yet: close what compose opened; the failure then ends the process (see exitFailed).
    await runtime.close();
    throw error;
  }
  await stopOnSignal(server, context);
  // Sends the spans still buffered (the last jobs' traces), but an unreachable collector must not hold the exit.
  const flushing = tracing.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'flushing traces failed'));
  if (!(await settleWithin(flushing, TRACE_FLUSH_TIMEOUT_MS))) {
    logger.warn({ timeoutMs: TRACE_FLUSH_TIMEOUT_MS }, 'gave up flushing traces');
  }
  // Everything is closed now. Whatever still holds the event loop (a client library reconnecting to a dependency that
  // is down) must not keep a stopped process alive: exit anyway after a grace period.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  return EXIT.ok;
}

/** Resolves once the first SIGTERM or SIGINT has stopped the server (gracefully, or with the failure logged). */
function stopOnSignal(server: RunningServer, { logger }: Context): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      server.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
