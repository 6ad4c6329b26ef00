import { parseArgs } from 'node:util';
import { CLIENT_COMMANDS, CLIENT_USAGE, runClient } from './client/main.js';
import { compose, migrateDatabase } from './compose.js';
import { ConfigError } from './config/config.js';
import { loadConfig } from './config/load.js';
import { KEYS_USAGE, runKeysCommand } from './security/key-commands.js';
import { type Role, runServer } from './server.js';
import { createLogger } from './telemetry/logger.js';
import { installTracing } from './telemetry/tracing.js';

const USAGE = `thumbsmith <command>

Commands:
  start     HTTP API and workers in one process (the embedded default)
  api       HTTP API only (scale-out; workers run elsewhere)
  worker    workers only (serves /healthz and /readyz)
  migrate   create or upgrade the database schema, then exit
  sweep     re-enqueue stuck images, delete images past RETENTION_*, delete orphan blobs, then exit
  reprocess [--preset NAME]
            enqueue re-renders of done images whose variants an older preset definition made
  help      this text

Configuration comes from environment variables (see the README).

${KEYS_USAGE}

${CLIENT_USAGE}`;

const ROLES: Record<string, Role> = { start: 'all', api: 'api', worker: 'worker' };

/** How long the exit waits for buffered spans to reach the collector. */
const TRACE_FLUSH_TIMEOUT_MS = 3_000;
/** After a graceful stop, how long leftover handles may keep the process alive before it exits anyway. */
const EXIT_GRACE_MS = 2_000;

async function main(argv: string[]): Promise<number> {
  // The command-line client: talks to a server over HTTP, needs none of the server's configuration.
  if (argv[0] !== undefined && CLIENT_COMMANDS.has(argv[0])) return runClient(argv[0], argv.slice(1));
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0] ?? 'help';
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const role = ROLES[command];
  if (!role && command !== 'migrate' && command !== 'sweep' && command !== 'reprocess' && command !== 'keys') {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  if (command === 'keys') return runKeysCommand(config, argv.slice(1));
  const logger = createLogger(config.log);
  if (command === 'migrate') {
    // Only the database: a migration job must not need the queue or the storage to be up.
    const applied = await migrateDatabase(config);
    logger.info({ database: config.database.kind, applied }, 'database schema is up to date');
    process.stdout.write(
      applied.length > 0
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'schema already up to date\n',
    );
    return 0;
  }
  // A role starts the imaging children it needs: the API probes uploads, the worker renders.
  const runtime = await compose(config, logger, {
    warm: { probe: role === 'all' || role === 'api', render: role === 'all' || role === 'worker' },
  });
  if (command === 'sweep') {
    const report = await runtime.sweep({ force: true });
    process.stdout.write(`re-enqueued ${report.requeued} image(s)\n`);
    process.stdout.write(`retention deleted ${report.expired} image(s)\n`);
    process.stdout.write(
      `garbage collected ${report.orphanBlobs} orphan blob(s) and ${report.reapedContents} unreferenced content(s)\n`,
    );
    await runtime.close();
    return 0;
  }
  if (command === 'reprocess') {
    const { values } = parseArgs({ args: argv.slice(1), options: { preset: { type: 'string' } }, strict: true });
    try {
      const { scanned, enqueued } = await runtime.reprocess(
        values.preset === undefined ? {} : { preset: values.preset },
      );
      process.stdout.write(`scanned ${scanned} done image(s), enqueued ${enqueued} re-render(s)\n`);
    } finally {
      await runtime.close();
    }
    return 0;
  }
  // Off unless the standard OTEL_* variables turn an exporter on; ids propagate either way (see config/tracing.ts).
  const tracing = await installTracing(config.tracing);
  if (tracing.recording) logger.info({ exporters: config.tracing.exporters }, 'tracing on');
  const server = await runServer(runtime, role!);
  await new Promise<void>((resolve) => {
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
  // Sends the spans still buffered (the last jobs' traces), but an unreachable collector must not hold the exit.
  const flushed = await Promise.race([
    tracing.shutdown().then(
      () => true,
      (error: unknown) => logger.warn({ err: error }, 'flushing traces failed'),
    ),
    new Promise<false>((resolve) => setTimeout(resolve, TRACE_FLUSH_TIMEOUT_MS, false).unref()),
  ]);
  if (flushed === false) logger.warn({ timeoutMs: TRACE_FLUSH_TIMEOUT_MS }, 'gave up flushing traces');
  // Everything is closed now. Whatever still holds the event loop (a client library reconnecting to a dependency that
  // is down) must not keep a stopped process alive: exit anyway after a grace period.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  return 0;
}

process.on('unhandledRejection', (reason) => {
  // Keep serving: one failed promise must not take every in-flight upload and job down with it.
  process.stderr.write(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}\n`);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`thumbsmith failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
