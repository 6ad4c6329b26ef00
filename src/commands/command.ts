import { parseCommandArgs } from '../cli-args.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../telemetry/logger.js';

/** Exit statuses of the server commands (the client commands document theirs in CLIENT_USAGE). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** What a server command runs with: the loaded configuration and its logger. */
export interface Context {
  config: Config;
  logger: Logger;
}

/** A parsed command line: `run` once the configuration is loaded, `standalone` without it. */
export type Invocation = { run: (context: Context) => Promise<number> } | { standalone: () => number };

/** One entry of the command table: parsing, `--help` and dispatch all read it. */
export interface Command {
  name: string;
  /** Other spellings (`--version`, `-h`, …). */
  aliases?: readonly string[];
  /** The command and its arguments, as the usage shows them. */
  synopsis: string;
  summary: string;
  /** `--help` text when it is more than the synopsis and summary. */
  usage?: () => string;
  /**
   * Strict: a UsageError when the arguments do not fit, 'help' for `--help`/`-h`. Runs before the configuration is
   * read, so neither opens anything.
   */
  parse(args: readonly string[]): Invocation | 'help';
}

/** For commands that take no arguments but `--help`. */
export const withoutArguments =
  (run: (context: Context) => Promise<number>) =>
  (args: readonly string[]): Invocation | 'help' =>
    parseCommandArgs(args, {}).values.help ? 'help' : { run };
