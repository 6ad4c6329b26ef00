import { mkdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type Config, ConfigError } from './config/config.js';
import { redact } from './config/load.js';
import { ThumbsmithError } from './domain/errors.js';

/** The fields Node and the database clients put on their errors; any may be missing. */
interface ErrorFields {
  message?: string;
  code?: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
  /** Set on errors the PostgreSQL server sent (node-postgres `DatabaseError`). */
  severity?: string;
}

/** The HTTP server could not listen on HOST:PORT; `cause` is the error from the socket. */
export class ListenFailed extends Error {
  constructor(cause: unknown) {
    super('the HTTP server could not listen on HOST:PORT', { cause });
    this.name = 'ListenFailed';
  }
}

/** Network failures: the address is wrong or nothing answers there. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

/** File-system error codes in words an operator can act on. */
const FILE_REASONS: Record<string, string> = {
  ENOTDIR: 'it or a folder on its path is a file, not a directory',
  EEXIST: 'a file is in the way',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOENT: 'no such file or directory, and it cannot be created there',
};

/**
 * Why a server command could not run, for the operator: one line per problem that names the variable to change (or
 * the fix), never a stack trace (the full error goes to the log at debug level). `config` is undefined when the
 * configuration itself is what failed.
 */
export function explainStartupFailure(error: unknown, config?: Config): string[] {
  if (error instanceof ConfigError) return error.problems.map((problem) => `invalid configuration: ${problem}`);
  if (config) {
    // The useful part is often a cause: a migration error wrapping the database client's connection error.
    for (let link: unknown = error, depth = 0; link !== undefined && depth < 5; depth++) {
      const fields: ErrorFields = typeof link === 'object' && link !== null ? (link as ErrorFields) : {};
      const message = firstLine(fields.message ?? String(link));
      const line =
        listenFailure(link, config) ??
        queueFailure(link, config) ??
        fileFailure(fields, config) ??
        sqliteFailure(fields, message, config) ??
        postgresFailure(fields, message, config);
      if (line) return [line];
      link = (link as { cause?: unknown })?.cause;
    }
  }
  return [`failed: ${firstLine((error as Error)?.message ?? String(error))} (LOG_LEVEL=debug logs the details)`];
}

function listenFailure(error: unknown, config: Config): string | undefined {
  if (!(error instanceof ListenFailed)) return undefined;
  const cause: ErrorFields = (error.cause ?? {}) as ErrorFields;
  const where = `${config.server.host}:${config.server.port}`;
  switch (cause.code) {
    case 'EADDRINUSE':
      return `PORT: ${where} is already in use by another process; stop that process or set PORT (or HOST) to a free address`;
    case 'EACCES':
      return `PORT: not allowed to listen on ${where} (ports below 1024 need privileges); set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST: ${config.server.host} is not an address of this machine; set HOST to one (127.0.0.1, or 0.0.0.0 for all)`;
    default:
      return `PORT: cannot listen on ${where}: ${firstLine(cause.message ?? String(cause))}`;
  }
}

/** The queue's own server (BullMQ's tables in PostgreSQL) failed at start, whatever the database did. */
function queueFailure(error: unknown, config: Config): string | undefined {
  if (!(error instanceof ThumbsmithError) || error.code !== 'TS_QUEUE_UNAVAILABLE' || config.queue.kind === 'sqlite') {
    return undefined;
  }
  const cause = firstLine((error.cause as Error | undefined)?.message ?? error.message);
  return `QUEUE_URL: cannot use the queue at ${redact(config.queue.url)} (${cause}); check QUEUE_URL (unset, the queue is in DATABASE_URL's database) and that the server is up`;
}

function fileFailure(fields: ErrorFields, config: Config): string | undefined {
  if (fields.path === undefined || fields.code === undefined) return undefined;
  const reason = FILE_REASONS[fields.code] ?? fields.message;
  const variable = pathVariable(fields.path, config);
  if (!variable) return `cannot use ${fields.path}: ${reason}`;
  return `${variable}: cannot create or write ${fields.path} (${reason}); set ${variable} to ${writablePlace(variable)}`;
}

/** better-sqlite3 errors carry no path: the database file is the configured one. */
function sqliteFailure(fields: ErrorFields, message: string, config: Config): string | undefined {
  if (config.database.kind !== 'sqlite' || !fields.code?.startsWith('SQLITE_')) return undefined;
  const variable = databaseFileVariable(config.database.path, config);
  return `${variable}: cannot use the SQLite database ${config.database.path} (${message}); set ${variable} to ${writablePlace(variable)}`;
}

function postgresFailure(fields: ErrorFields, message: string, config: Config): string | undefined {
  if (config.database.kind !== 'postgres') return undefined;
  const serverRefused = fields.severity !== undefined;
  const unreachable =
    fields.code !== undefined &&
    NETWORK_CODES.has(fields.code) &&
    (fields.port === undefined || String(fields.port) === portOf(config.database.url));
  const timedOut = /timeout exceeded when trying to connect|terminated due to connection timeout/i.test(message);
  if (!serverRefused && !unreachable && !timedOut) return undefined;
  return `DATABASE_URL: cannot use the database at ${redact(config.database.url)} (${message}); check DATABASE_URL and that PostgreSQL is up`;
}

/** Which variable decides where `path` is, so the operator knows what to change. */
function pathVariable(path: string, config: Config): string | undefined {
  if (config.database.kind === 'sqlite' && related(path, config.database.path)) {
    return databaseFileVariable(config.database.path, config);
  }
  if (config.storage.kind === 'fs' && related(path, config.storage.root)) {
    return config.storage.root === join(config.dataDir, 'blobs') ? 'DATA_DIR' : 'STORAGE_URL';
  }
  return related(path, config.dataDir) ? 'DATA_DIR' : undefined;
}

function writablePlace(variable: string): string {
  return variable === 'DATABASE_URL' ? 'sqlite:PATH in a writable directory (or postgres://…)' : 'a writable directory';
}

function databaseFileVariable(path: string, config: Config): string {
  return path === join(config.dataDir, 'thumbsmith.db') ? 'DATA_DIR' : 'DATABASE_URL';
}

/** Whether one path is the other or inside it (a failed mkdir may name a parent; SQLite adds `-wal` files). */
function related(a: string, b: string): boolean {
  const inside = (child: string, parent: string) => {
    const rest = relative(parent, child);
    return rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
  };
  return inside(a, b) || inside(b, a) || a.startsWith(`${b}-`);
}

function portOf(url: string): string {
  try {
    return new URL(url).port || '5432';
  } catch {
    return '5432';
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/**
 * Creates the directories a command writes to (DATA_DIR, the SQLite file's, the blob root) before any adapter does,
 * so that a path that cannot be a directory fails at once with an error naming it: Node's recursive mkdir never
 * returns under /proc (ENOENT from the kernel, the parent exists, so it retries forever).
 */
export async function prepareDirectories(config: Config, scope: 'database' | 'all'): Promise<void> {
  const directories = config.database.kind === 'sqlite' ? [dirname(config.database.path)] : [];
  if (scope === 'all') {
    directories.push(config.dataDir);
    if (config.storage.kind === 'fs') directories.push(config.storage.root);
  }
  for (const directory of directories) await makeDirectory(directory);
}

/** `mkdir -p` that always ends: finds the nearest existing ancestor, then creates each missing part once. */
async function makeDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(path); ; current = dirname(current)) {
    const found = await stat(current).catch((error: ErrorFields) => {
      if (error.code === 'ENOENT' && dirname(current) !== current) return undefined;
      throw error;
    });
    if (found?.isDirectory()) break;
    if (found)
      throw Object.assign(new Error(`ENOTDIR: not a directory '${current}'`), { code: 'ENOTDIR', path: current });
    missing.unshift(current);
  }
  for (const directory of missing) {
    await mkdir(directory).catch((error: ErrorFields) => {
      // Another process (a second worker starting at the same time) may have just made it.
      if (error.code !== 'EEXIST') throw error;
    });
  }
}
