import { parseCommandArgs, UsageError } from './cli-args.js';
import { CLIENT_COMMANDS, CLIENT_USAGE, runClient } from './client/main.js';
import type { Config } from './config/config.js';
import { loadConfig } from './config/load.js';
import { packageVersion } from './package-version.js';
import { KEYS_USAGE, parseKeysArgs, runKeysCommand } from './security/key-commands.js';
import type { Role } from './server.js';
import { explainStartupFailure, prepareDirectories } from './startup.js';
import { createLogger, type Logger } from './telemetry/logger.js';

/** Exit statuses of the server commands (the client commands document theirs in CLIENT_USAGE). */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

interface Context {
  config: Config;
  logger: Logger;
}

/** A parsed command line, ready to run once the configuration is loaded. */
type Run = (context: Context) => Promise<number>;

interface ServerCommand {
  /** The command and its arguments, as the usage shows them. */
  synopsis: string;
  summary: string;
  /** `--help` text when it is more than the synopsis and summary. */
  usage?: string;
  /**
   * Strict: a UsageError when the arguments do not fit, 'help' for `--help`/`-h`. Runs before the configuration is
   * read, so neither opens anything.
   */
  parse(args: readonly string[]): Run | 'help';
}

/** For commands that take no arguments but `--help`. */
const withoutArguments =
  (run: Run) =>
  (args: readonly string[]): Run | 'help' =>
    parseCommandArgs(args, {}).values.help ? 'help' : run;

const COMMANDS: Readonly<Record<string, ServerCommand>> = {
  start: {
    synopsis: 'start',
    summary: 'HTTP API and workers in one process (the embedded default)',
    parse: withoutArguments((context) => serve('all', context)),
  },
  api: {
    synopsis: 'api',
    summary: 'HTTP API only (scale-out; workers run elsewhere)',
    parse: withoutArguments((context) => serve('api', context)),
  },
  worker: {
    synopsis: 'worker',
    summary: 'workers only (serves /healthz and /readyz)',
    parse: withoutArguments((context) => serve('worker', context)),
  },
  migrate: {
    synopsis: 'migrate',
    summary: 'create or upgrade the database schema, then exit',
    parse: withoutArguments(migrate),
  },
  sweep: {
    synopsis: 'sweep',
    summary: 're-enqueue stuck images, delete images past RETENTION_*, delete orphan blobs, then exit',
    parse: withoutArguments(sweep),
  },
  reprocess: {
    synopsis: 'reprocess [--preset NAME]',
    summary: 'enqueue re-renders of done images whose variants an older preset definition made',
    parse: (args) => {
      const { values } = parseCommandArgs(args, { preset: { type: 'string' } });
      return values.help ? 'help' : (context) => reprocess(context, values.preset);
    },
  },
  keys: {
    synopsis: 'keys create|list|revoke',
    summary: 'manage API keys (see below)',
    usage: KEYS_USAGE,
    parse: (args) => {
      const command = parseKeysArgs(args);
      if (command === 'help') return 'help';
      return async ({ config }) => {
        await prepareDirectories(config, 'database');
        return runKeysCommand(config, command);
      };
    },
  },
};

const USAGE = `thumbsmith <command> [arguments] [--help]

Commands:
${Object.values(COMMANDS)
  .map(({ synopsis, summary }) => `  ${synopsis.padEnd(26)}${summary}`)
  .join('\n')}
  version                   print the version (also --version, -v)
  help                      this text (also --help, -h; "<command> --help" for one command)

Server commands read their configuration from environment variables (see the README) and exit with 0 on success,
1 when they fail (a start-up failure prints one line naming the variable to fix), 2 on a usage error.

${KEYS_USAGE}

${CLIENT_USAGE}`;

const commandUsage = (command: ServerCommand): string =>
  command.usage ??
  `Usage: thumbsmith ${command.synopsis}\n\n  ${command.summary}\n\nSee "thumbsmith --help" for all commands.`;

/** How long the exit waits for buffered spans to reach the collector. */
const TRACE_FLUSH_TIMEOUT_MS = 3_000;
/** After a graceful stop, how long leftover handles may keep the process alive before it exits anyway. */
const EXIT_GRACE_MS = 2_000;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  // The command-line client: talks to a server over HTTP, needs none of the server's configuration.
  if (name !== undefined && CLIENT_COMMANDS.has(name)) return runClient(name, args);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (name === 'version' || name === '--version' || name === '-v') {
    if (args.length > 0) return usageError(`"${name}" takes no arguments`, USAGE);
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return usageError(`unknown command or option "${name}"`, USAGE);
  let run: Run | 'help';
  try {
    run = command.parse(args);
  } catch (error) {
    if (error instanceof UsageError) return usageError(`${name}: ${error.message}`, commandUsage(command));
    throw error;
  }
  if (run === 'help') {
    process.stdout.write(`${commandUsage(command)}\n`);
    return EXIT.ok;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    return exitFailed(error);
  }
  const logger = createLogger(config.log);
  try {
    return await run({ config, logger });
  } catch (error) {
    logger.debug({ err: error }, `thumbsmith ${name} failed`);
    return exitFailed(error, config);
  }
}

function usageError(problem: string, usage: string): number {
  process.stderr.write(`thumbsmith: ${problem}\n\n${usage}\n`);
  return EXIT.usage;
}

/**
 * Prints what failed, one line per problem naming the variable to fix, and ends the process at once: whatever the
 * command had started before it failed (a client library reconnecting, a tracing exporter) must not keep it alive.
 */
function exitFailed(error: unknown, config?: Config): never {
  for (const line of explainStartupFailure(error, config)) process.stderr.write(`thumbsmith: ${line}\n`);
  process.exit(EXIT.failed);
}

/**
 * The whole runtime, once every directory it writes to is known to be usable. `warm` starts the imaging children a
 * role needs at once (the API probes uploads, the worker renders); other pools start a child when first asked.
 */
async function composeRuntime({ config, logger }: Context, warm: { probe?: boolean; render?: boolean } = {}) {
  await prepareDirectories(config, 'all');
  const { compose } = await import('./compose.js');
  return compose(config, logger, { warm });
}

async function migrate({ config, logger }: Context): Promise<number> {
  const { backendContext, migrateDatabase } = await import('./composition/backends.js');
  const { Closers } = await import('./lib/closers.js');
  // Only the database: a migration job must not need the queue or the storage to be up.
  await prepareDirectories(config, 'database');
  const applied = await migrateDatabase(config, backendContext(config, { logger, closers: new Closers(logger) }));
  logger.info({ database: config.database.kind, applied }, 'database schema is up to date');
  process.stdout.write(
    applied.length > 0
      ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
      : 'schema already up to date\n',
  );
  return EXIT.ok;
}

async function sweep({ config, logger }: Context): Promise<number> {
  const runtime = await composeRuntime({ config, logger });
  try {
    const report = await runtime.sweep({ force: true });
    process.stdout.write(`re-enqueued ${report.requeued} image(s)\n`);
    process.stdout.write(`retention deleted ${report.expired} image(s)\n`);
    process.stdout.write(
      `garbage collected ${report.orphanBlobs} orphan blob(s) and ${report.reapedContents} unreferenced content(s)\n`,
    );
    process.stdout.write(`removed ${report.tempFiles} temp file(s) of processes that are gone\n`);
  } finally {
    await runtime.close();
  }
  return EXIT.ok;
}

async function reprocess({ config, logger }: Context, preset: string | undefined): Promise<number> {
  const runtime = await composeRuntime({ config, logger });
  try {
    const { scanned, enqueued } = await runtime.reprocess(preset === undefined ? {} : { preset });
    process.stdout.write(`scanned ${scanned} done image(s), enqueued ${enqueued} re-render(s)\n`);
  } finally {
    await runtime.close();
  }
  return EXIT.ok;
}

/** `start`, `api`, `worker`: serves until SIGTERM or SIGINT, then drains. */
async function serve(role: Role, { config, logger }: Context): Promise<number> {
  const [{ runServer }, { installTracing }] = await Promise.all([
    import('./server.js'),
    import('./telemetry/tracing.js'),
  ]);
  const runtime = await composeRuntime(
    { config, logger },
    { probe: role === 'all' || role === 'api', render: role === 'all' || role === 'worker' },
  );
  // Off unless the standard OTEL_* variables turn an exporter on; ids propagate either way (see config/tracing.ts).
  const tracing = await installTracing(config.tracing);
  if (tracing.recording) logger.info({ exporters: config.tracing.exporters }, 'tracing on');
  let server: Awaited<ReturnType<typeof runServer>>;
  try {
    server = await runServer(runtime, role);
  } catch (error) {
    // Nothing has run yet: close what compose opened; the failure then ends the process (see exitFailed).
    await runtime.close();
    throw error;
  }
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
  return EXIT.ok;
}

process.on('unhandledRejection', (reason) => {
  // Keep serving: one failed promise must not take every in-flight upload and job down with it.
  process.stderr.write(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}\n`);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => exitFailed(error),
);
