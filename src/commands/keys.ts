import { parseCommandArgs, UsageError } from '../cli-args.js';
import { backendContext, openDatabase } from '../composition/backends.js';
import { issueKey, isTenantName, parseScopes, type Scope } from '../domain/api-keys.js';
import { Closers } from '../lib/closers.js';
import type { KeyStore } from '../ports/key-store.js';
import { prepareDirectories } from '../startup.js';
import type { Command, Context } from './command.js';

export const KEYS_USAGE = `Keys (talk to the configured database directly):
  keys create --tenant NAME [--scopes upload,read] [--name LABEL]
            create an API key; it is printed once and only its SHA-256 is stored
  keys list list every key (id, tenant, scopes, name, created, last used, revoked)
  keys revoke ID
            revoke a key at once (within about a second on running servers)`;

/** A parsed `thumbsmith keys …` command line. */
export type KeysCommand =
  | { sub: 'create'; tenant: string; scopes: Scope[]; name: string | undefined }
  | { sub: 'list' }
  | { sub: 'revoke'; id: string };

const CREATE_OPTIONS = { tenant: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } } as const;

/**
 * Parses `keys …` strictly, before any configuration or database is opened: the command, or 'help' for
 * `--help`/`-h`; a UsageError when the arguments do not fit.
 */
export function parseKeysArgs(args: readonly string[]): KeysCommand | 'help' {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') return 'help';
  if (sub === 'list') return parseCommandArgs(rest, {}).values.help ? 'help' : { sub };
  if (sub === 'revoke') {
    const { values, positionals } = parseCommandArgs(rest, {}, 1);
    if (values.help) return 'help';
    if (positionals[0] === undefined) throw new UsageError('keys revoke needs the key id (see keys list)');
    return { sub, id: positionals[0] };
  }
  if (sub !== 'create') {
    throw new UsageError(sub === undefined ? 'keys needs create, list or revoke' : `unknown keys command "${sub}"`);
  }
  const { values } = parseCommandArgs(rest, CREATE_OPTIONS);
  if (values.help) return 'help';
  if (values.tenant === undefined || !isTenantName(values.tenant)) {
    throw new UsageError('--tenant NAME is required: lower-case letters, digits, "-" and "_", at most 64 characters');
  }
  const scopes = parseScopes(values.scopes ?? 'upload,read');
  if (!scopes) throw new UsageError('--scopes: a comma-separated list of upload, read, admin');
  return { sub, tenant: values.tenant, scopes, name: values.name };
}

/** `thumbsmith keys …` in the command table. */
export const keysCommand: Command = {
  name: 'keys',
  synopsis: 'keys create|list|revoke',
  summary: 'manage API keys (see below)',
  usage: () => KEYS_USAGE,
  parse: (args) => {
    const command = parseKeysArgs(args);
    if (command === 'help') return 'help';
    return {
      run: async (context) => {
        await prepareDirectories(context.config, 'database');
        return runKeysCommand(context, command);
      },
    };
  },
};

/** Runs a parsed `thumbsmith keys …`: opens only the database (no queue, storage or workers); returns the exit code. */
export async function runKeysCommand(context: Context, command: KeysCommand): Promise<number> {
  if (command.sub === 'create') {
    const { tenant, scopes, name } = command;
    return withKeyStore(context, async (store) => {
      const issued = issueKey();
      await store.create({
        id: issued.id,
        tenant,
        name: name ?? null,
        scopes,
        hash: issued.hash,
        createdAt: new Date(),
      });
      process.stdout.write(
        `${issued.key}\n\nkey id ${issued.id}, tenant ${tenant}, scopes ${scopes.join(',')}\n` +
          'This is the only time the key is shown: store it now.\n',
      );
      return 0;
    });
  }
  if (command.sub === 'list') {
    return withKeyStore(context, async (store) => {
      const rows = (await store.list()).map((k) => [
        k.id,
        k.tenant,
        k.scopes.join(','),
        k.name ?? '-',
        k.createdAt.toISOString(),
        k.lastUsedAt?.toISOString() ?? '-',
        k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
      ]);
      const table = [['ID', 'TENANT', 'SCOPES', 'NAME', 'CREATED', 'LAST USED', 'STATE'], ...rows];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
      return 0;
    });
  }
  const { id } = command;
  return withKeyStore(context, async (store) => {
    if (await store.revoke(id, new Date())) {
      process.stdout.write(`revoked ${id}\n`);
      return 0;
    }
    process.stderr.write(`no active key with id ${id}\n`);
    return 1;
  });
}

/** A one-shot command needs one connection, and may wait longer for it than a server's requests do. */
const ONE_SHOT = { maxConnections: 1, connectionTimeoutMs: 10_000 };

/** The key store on the configured database, through the same opener a server uses; closed after `use`. */
async function withKeyStore({ config, logger }: Context, use: (store: KeyStore) => Promise<number>): Promise<number> {
  const closers = new Closers(logger);
  try {
    const { keys } = await openDatabase(config, backendContext(config, { logger, closers }), ONE_SHOT);
    return await use(keys);
  } finally {
    await closers.closeAll();
  }
}
