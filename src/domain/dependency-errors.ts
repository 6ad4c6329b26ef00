import { ThumbsmithError } from './errors.js';

/**
 * A full disk or an exhausted quota, wherever it is met: a system call (ENOSPC, EDQUOT), SQLite (SQLITE_FULL) or
 * Postgres (SQLSTATE 53100 disk_full).
 */
const FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);

/** A full disk does not free itself in seconds; clients are asked to come back in a minute. */
export const STORAGE_FULL_RETRY_AFTER_SECONDS = 60;

/** How deep `cause` chains and AggregateErrors are followed. */
const MAX_DEPTH = 3;

/** The `code` of a system, driver or SDK error, when it has a string one. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** True when `test` holds for the error, its causes or (a host with several addresses) any of its aggregated errors. */
export function someErrorInChain(error: unknown, test: (error: unknown) => boolean, depth = 0): boolean {
  if (depth > MAX_DEPTH || error === undefined || error === null) return false;
  if (test(error)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => someErrorInChain(inner, test, depth + 1))) {
    return true;
  }
  return error instanceof Error && someErrorInChain(error.cause, test, depth + 1);
}

/** True when the write failed because the disk (or the database's disk) is full. */
export function isStorageFull(error: unknown): boolean {
  return someErrorInChain(error, (one) => FULL_CODES.has(errorCodeOf(one) ?? ''));
}

/** `TS_STORAGE_FULL` for a write that met a full disk; `what` says which write, the cause stays for the logs. */
export function storageFullError(error: unknown, what: string): ThumbsmithError {
  return new ThumbsmithError('TS_STORAGE_FULL', `${what} failed: no space left on the server's disk.`, {
    cause: error,
    extensions: { retryAfterSeconds: STORAGE_FULL_RETRY_AFTER_SECONDS },
  });
}

/**
 * The part of a dependency's error a client may see: its code or class name, never its message, which names hosts,
 * addresses and paths (`connect ECONNREFUSED 10.0.0.5:5432`). The whole error goes to the logs as the cause.
 */
export function errorReason(error: unknown): string {
  const code = errorCodeOf(error);
  if (code !== undefined) return code;
  if (error instanceof Error && error.name !== 'Error') return error.name;
  return 'unknown';
}
