import type { DatabasePorts } from '../adapters/sql/index.js';
import { backendContext, openDatabase } from '../composition/backends.js';
import { Closers } from '../lib/closers.js';
import { prepareDirectories } from '../startup.js';
import type { Context } from './command.js';

/** A one-shot command needs one connection, and may wait longer for it than a server's requests do. */
const ONE_SHOT = { maxConnections: 1, connectionTimeoutMs: 10_000 };

/**
 * The configured database's ports (no queue, storage or workers), through the same opener a server uses, for the
 * commands that talk to the database directly (`keys`, `webhooks`); closed after `use`, whose exit code it returns.
 */
export async function withDatabase(
  { config, logger }: Context,
  use: (ports: DatabasePorts) => Promise<number>,
): Promise<number> {
  await prepareDirectories(config, 'database');
  const closers = new Closers(logger);
  try {
    return await use(await openDatabase(config, backendContext(config, { logger, closers }), ONE_SHOT));
  } finally {
    await closers.closeAll();
  }
}

/** Columns padded to their widest cell, two spaces apart, one line per row (the `list` subcommands). */
export function printTable(table: readonly (readonly string[])[]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table)
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
}
