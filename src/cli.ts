import { UsageError } from './cli-args.js';
import { CLIENT_COMMANDS, runClient } from './client/main.js';
import { type Command, EXIT, type Invocation } from './commands/command.js';
import { commandUsage, findCommand, overallUsage } from './commands/index.js';
import type { Config } from './config/config.js';
import { loadConfig } from './config/load.js';
import { explainStartupFailure } from './startup.js';
import { createLogger } from './telemetry/logger.js';

async function main(argv: readonly string[]): Promise<number> {
  const [name = 'help', ...args] = argv;
  // The command-line client: talks to a server over HTTP, needs none of the server's configuration.
  if (CLIENT_COMMANDS.has(name)) return runClient(name, args);
  const command = findCommand(name);
  if (!command) return usageError(`unknown command or option "${name}"`, overallUsage());
  const invocation = parse(name, command, args);
  if (typeof invocation === 'number') return invocation;
  if ('standalone' in invocation) return invocation.standalone();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    return exitFailed(error);
  }
  const logger = createLogger(config.log);
  try {
    return await invocation.run({ config, logger });
  } catch (error) {
    logger.debug({ err: error }, `thumbsmith ${name} failed`);
    return exitFailed(error, config);
  }
}

/** The command's invocation, or the exit status when its arguments were a usage error or `--help`. */
function parse(name: string, command: Command, args: readonly string[]): Invocation | number {
  let invocation: Invocation | 'help';
  try {
    invocation = command.parse(args);
  } catch (error) {
    if (error instanceof UsageError) return usageError(`${name}: ${error.message}`, commandUsage(command));
    throw error;
  }
  if (invocation !== 'help') return invocation;
  process.stdout.write(`${commandUsage(command)}\n`);
  return EXIT.ok;
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
