import { parseArgs } from 'node:util';
import { compose } from './compose.js';
import { ConfigError } from './config/config.js';
import { loadConfig } from './config/load.js';
import { type Role, runServer } from './server.js';
import { createLogger } from './telemetry/logger.js';

const USAGE = `thumbsmith <command>

Commands:
  start     HTTP API and workers in one process (the embedded default)
  api       HTTP API only (scale-out; workers run elsewhere)
  worker    workers only (serves /healthz and /readyz)
  migrate   create or upgrade the database schema, then exit
  sweep     re-enqueue images stuck in "queued", then exit
  help      this text

Configuration comes from environment variables (see the README).`;

const ROLES: Record<string, Role> = { start: 'all', api: 'api', worker: 'worker' };

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0] ?? 'help';
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const role = ROLES[command];
  if (!role && command !== 'migrate' && command !== 'sweep') {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.log);
  const runtime = await compose(config, logger);
  if (command === 'migrate') {
    // compose() already migrated the schema to the latest version.
    logger.info('database schema is up to date');
    await runtime.close();
    return 0;
  }
  if (command === 'sweep') {
    const { requeued } = await runtime.sweep();
    process.stdout.write(`re-enqueued ${requeued} image(s)\n`);
    await runtime.close();
    return 0;
  }
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
