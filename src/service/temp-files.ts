import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** What a temp file under `DATA_DIR/tmp` holds: an upload being spooled, or a worker's copy of an original. */
export type TempFileKind = 'upload' | 'original';

/**
 * Processes in different containers may share one DATA_DIR and have the same pids (each its own pid 1): a file's pid
 * only means something on the host (pid namespace) that wrote it, which the name says by a short hash of the hostname.
 */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMP_NAME = /^(?:upload|original)-([0-9a-f]{8})-(\d+)-/;

/** A fresh temp file path in `dir` that names its writer (host and pid), so crash leftovers can be told apart. */
export function tempFilePath(dir: string, kind: TempFileKind): string {
  return join(dir, `${kind}-${HOST_TAG}-${process.pid}-${Date.now()}-${randomBytes(6).toString('hex')}`);
}

/**
 * Removes temp files whose writer is gone: files of this host whose pid is not running, and files of other hosts
 * (or not named by {@link tempFilePath}) untouched for `foreignStaleMs` — a spool file is touched by every write and
 * an original copy is read for at most a render's time limit, so a live one is younger. Never a file of a live process
 * of this host, so any process may run it at any time (start-up, `thumbsmith sweep`).
 * @returns the number of files removed.
 */
export async function removeDeadTempFiles(dir: string, foreignStaleMs: number): Promise<number> {
  const cutoff = Date.now() - foreignStaleMs;
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const owner = TEMP_NAME.exec(name);
    const ours = owner?.[1] === HOST_TAG;
    if (ours && isRunning(Number(owner[2]))) continue;
    const file = join(dir, name);
    if (!ours) {
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs > cutoff) continue;
    }
    // `force`: another process sweeping the same directory may have removed it first.
    await rm(file, { force: true });
    removed += 1;
  }
  return removed;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
