import type { DatabasePorts } from '../adapters/sql/index.js';
import { parseCommandArgs, UsageError } from '../cli-args.js';
import { issueKey, isTenantName, parseScopes, type Scope } from '../domain/api-keys.js';
import { DEFAULT_TENANT } from '../http/tenant.js';
import type { Command, Context } from './command.js';
import { printTable, withDatabase } from './database.js';

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
    return { run: (context) => runKeysCommand(context, command) };
  },
};

/** Runs a parsed `thumbsmith keys …`: opens only the database (no queue, storage or workers); returns the exit code. */
export async function runKeysCommand(context: Context, command: KeysCommand): Promise<number> {
  if (command.sub === 'create') {
    const { tenant, scopes, name } = command;
    return withDatabase(context, async (ports) => {
      const issued = issueKey();
      await ports.keys.create({
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
      await warnAboutDefaultTenant(ports, tenant);
      return 0;
    });
  }
  if (command.sub === 'list') {
    return withDatabase(context, async ({ keys }) => {
      const rows = (await keys.list()).map((k) => [
        k.id,
        k.tenant,
        k.scopes.join(','),
        k.name ?? '-',
        k.createdAt.toISOString(),
        k.lastUsedAt?.toISOString() ?? '-',
        k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
      ]);
      printTable([['ID', 'TENANT', 'SCOPES', 'NAME', 'CREATED', 'LAST USED', 'STATE'], ...rows]);
      return 0;
    });
  }
  const { id } = command;
  return withDatabase(context, async ({ keys }) => {
    if (await keys.revoke(id, new Date())) {
      process.stdout.write(`revoked ${id}\n`);
      return 0;
    }
    process.stderr.write(`no active key with id ${id}\n`);
    return 1;
  });
}

/**
 * Once any key exists every `/v1` request needs one, and a key sees only its tenant's images: images uploaded before
 * (tenant `default`) vanish for every key of another tenant. Says so on stderr (stdout stays the key) when tenant
 * `default` has images and no active key of its own.
 */
async function warnAboutDefaultTenant({ keys, metadata }: DatabasePorts, tenant: string): Promise<void> {
  if (tenant === DEFAULT_TENANT) return;
  if ((await keys.list()).some((key) => key.tenant === DEFAULT_TENANT && key.revokedAt === null)) return;
  const images = await metadata.maintenance.countImages(DEFAULT_TENANT);
  if (images === 0) return;
  process.stderr.write(
    `\nNotice: ${images} image${images === 1 ? ' is' : 's are'} in tenant "${DEFAULT_TENANT}" (uploaded before API keys ` +
      "existed). Now that a key exists, every request needs one, and a key sees only its own tenant's images: " +
      `these are reachable only with a key of tenant "${DEFAULT_TENANT}". To keep reaching them, create one:\n` +
      `  thumbsmith keys create --tenant ${DEFAULT_TENANT}\n` +
      'Images cannot be moved to another tenant (see the README, "API keys").\n',
  );
}
