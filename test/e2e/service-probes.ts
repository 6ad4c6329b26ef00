/**
 * Looks at a running `thumbsmith` process from the outside: its DATA_DIR (rows, blobs, temp files) and its CPU and
 * memory in /proc. Used by the hostile, formats and fuzz end-to-end tests.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { ERROR_CATALOGUE, isErrorCode } from '../../src/domain/errors.js';

/** Every regular file below `dir` (absolute paths); none when `dir` does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export interface ImageRow {
  id: string;
  status: string;
  error_code: string | null;
}

/** The `images` rows of an embedded (SQLite) service, read through a separate read-only connection. */
export function imageRows(dataDir: string): ImageRow[] {
  const db = new Database(join(dataDir, 'thumbsmith.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('select id, status, error_code from images order by id').all() as ImageRow[];
  } finally {
    db.close();
  }
}

/** What a service has stored: row ids, blob files and temp files. Compared before and after a rejected upload. */
export async function storedState(dataDir: string): Promise<{ rows: string[]; blobs: string[]; temp: string[] }> {
  return {
    rows: imageRows(dataDir).map((r) => r.id),
    blobs: await filesUnder(join(dataDir, 'blobs')),
    temp: await filesUnder(join(dataDir, 'tmp')),
  };
}

/**
 * Blob files holding an image's variants, whichever key layout the store uses: content-addressed
 * (`content/<sha256>/<generation>/<preset>-<version>.<ext>`, next to `…/original`) or by image id
 * (`variants/<id>/…`). The original itself is not counted.
 */
export async function variantFiles(
  dataDir: string,
  image: { id: string; original: { sha256: string } | null },
): Promise<string[]> {
  const root = join(dataDir, 'blobs');
  return (await filesUnder(root)).filter((file) => {
    const key = relative(root, file);
    const ours = key.includes(image.id) || (image.original !== null && key.includes(image.original.sha256));
    const original = key.startsWith('originals/') || basename(key) === 'original';
    return ours && !original;
  });
}

/** Asserts an RFC 9457 problem with a catalogue code whose catalogue status is the response status. */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const body = await readProblem(response);
  expect({ status: response.status, code: body.code }, JSON.stringify(body)).toEqual({ status, code });
  return body;
}

/** Reads a problem document and checks its shape; returns it. */
export async function readProblem(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(isErrorCode(body.code), `unknown code ${String(body.code)}`).toBe(true);
  expect(body.status).toBe(response.status);
  expect(ERROR_CATALOGUE[body.code as keyof typeof ERROR_CATALOGUE].status).toBe(response.status);
  expect(body.type).toBe(`urn:thumbsmith:error:${String(body.code)}`);
  return body;
}

/** `GET /healthz` status, or 0 when the process does not answer at all. */
export async function healthStatus(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** User + system CPU time of a process in clock ticks (`/proc/<pid>/stat` fields 14 and 15; 100 ticks/s on Linux). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size of a process in bytes (`VmRSS` in `/proc/<pid>/status`). */
export function rssBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/** The peak resident set size of a process over its life so far, in bytes (`VmHWM`). */
export function peakRssBytes(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (!match) throw new Error(`no ${field} for pid ${pid}`);
  return Number(match[1]) * 1024;
}
