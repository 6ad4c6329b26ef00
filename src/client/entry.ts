import { CLIENT_COMMANDS, runClient } from './main.js';

/** Whether `argv` (without node and script) is a client command. */
export const isClientCommand = (argv: readonly string[]): boolean =>
  argv[0] !== undefined && CLIENT_COMMANDS.has(argv[0]);

/**
 * Runs a client command as the whole process (the bin's fast path: none of the server's modules are loaded) and
 * sets the exit status.
 */
export async function runClientProcess(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await runClient(argv[0]!, argv.slice(1));
  } catch (error) {
    process.stderr.write(`thumbsmith: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
