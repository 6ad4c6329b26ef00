import {
  errorCodeOf,
  errorReason,
  isStorageFull,
  someErrorInChain,
  storageFullError,
} from '../../domain/dependency-errors.js';
import { ThumbsmithError } from '../../domain/errors.js';

// Node socket errors, SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown,
// cannot connect now), 53300 (too many connections), 3D000 (no such database), and SQLite's lock/IO/open errors.
// A full disk (SQLITE_FULL, 53100) is `TS_STORAGE_FULL` instead (domain/dependency-errors.ts).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '53300',
  '3D000',
  '57P01',
  '57P02',
  '57P03',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
]);
const UNAVAILABLE_PREFIXES = ['SQLITE_BUSY_', 'SQLITE_LOCKED_', 'SQLITE_IOERR', 'SQLITE_CANTOPEN_'];
// node-postgres and better-sqlite3 report some connection states only in the message.
const UNAVAILABLE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|after calling end on the pool|is not queryable|database connection is not open/i;

/** One error (not its causes) says the database cannot be reached. */
function meansUnavailable(error: unknown): boolean {
  const code = errorCodeOf(error);
  if (code !== undefined) {
    if (UNAVAILABLE_CODES.has(code)) return true;
    if (code.length === 5 && code.startsWith('08')) return true;
    if (UNAVAILABLE_PREFIXES.some((prefix) => code.startsWith(prefix))) return true;
  }
  return error instanceof Error && UNAVAILABLE_MESSAGE.test(error.message);
}

/**
 * True when the error means "the database cannot be reached right now" (worth a retry), not "the query is wrong".
 * Causes are looked at too, and every error of an AggregateError (a host with several addresses, such as localhost:
 * ::1 and 127.0.0.1).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return someErrorInChain(error, meansUnavailable);
}

/** Primary-key or unique-index violation (SQLSTATE 23505, SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Any driver error as a catalogue error: full disk -> `TS_STORAGE_FULL`, unreachable database ->
 * `TS_DATABASE_UNAVAILABLE`, else `TS_INTERNAL`. The detail names the operation and the driver's code, never its
 * message (`connect ECONNREFUSED 10.0.0.5:5432` names an internal address); the message stays in the cause, for logs.
 */
export function toDatabaseError(error: unknown, context: string): ThumbsmithError {
  if (error instanceof ThumbsmithError) return error;
  if (isStorageFull(error)) return storageFullError(error, context);
  const reason = errorReason(error);
  if (isDatabaseUnavailable(error)) {
    return new ThumbsmithError('TS_DATABASE_UNAVAILABLE', `${context}: the database cannot be reached (${reason}).`, {
      cause: error,
    });
  }
  return new ThumbsmithError('TS_INTERNAL', `${context} failed (${reason}).`, { cause: error });
}
