import { statfs } from 'node:fs/promises';
import { STORAGE_FULL_RETRY_AFTER_SECONDS } from '../domain/dependency-errors.js';
import { ThumbsmithError } from '../domain/errors.js';

export interface DiskSpaceOptions {
  /** Directories this process writes to; the one with the least free space counts. */
  dirs: readonly string[];
  /** Below this many free bytes uploads are refused and readiness fails; 0 = never. */
  minFreeBytes: number;
  /**
   * How long one measurement is reused: an upload burst asks once per interval, not once per upload.
   * @defaultValue 1000
   */
  cacheMs?: number;
}

export interface DiskSpaceReport {
  ok: boolean;
  freeMb: number;
  minFreeMb: number;
  code?: 'TS_STORAGE_FULL';
}

const MB = 1024 * 1024;

/**
 * Free space against a floor, measured with `statfs` (one system call per directory) and cached briefly. Refusing an
 * upload before its bytes are written keeps the disk from filling up at all under ordinary load; a write that still
 * meets a full disk (ENOSPC) is `TS_STORAGE_FULL` where it happens.
 */
export class DiskSpace {
  readonly #options: DiskSpaceOptions;
  #measured: { at: number; report: Promise<DiskSpaceReport> } | undefined;

  constructor(options: DiskSpaceOptions) {
    this.#options = options;
  }

  /** The latest measurement (at most `cacheMs` old). A directory that cannot be measured does not count. */
  check(): Promise<DiskSpaceReport> {
    const now = Date.now();
    if (!this.#measured || now - this.#measured.at >= (this.#options.cacheMs ?? 1000)) {
      this.#measured = { at: now, report: this.#measure() };
    }
    return this.#measured.report;
  }

  /** Throws `TS_STORAGE_FULL` (503, Retry-After) when free space is below the floor. */
  async assertRoom(): Promise<void> {
    if (this.#options.minFreeBytes === 0) return;
    const report = await this.check();
    if (!report.ok) {
      throw new ThumbsmithError('TS_STORAGE_FULL', 'The server is low on disk space; try again later.', {
        extensions: { retryAfterSeconds: STORAGE_FULL_RETRY_AFTER_SECONDS },
      });
    }
  }

  async #measure(): Promise<DiskSpaceReport> {
    const free = await Promise.all(
      this.#options.dirs.map(async (dir) => {
        const stats = await statfs(dir).catch(() => undefined);
        return stats === undefined ? Number.POSITIVE_INFINITY : stats.bavail * stats.bsize;
      }),
    );
    const freeBytes = Math.min(...free);
    const ok = freeBytes >= this.#options.minFreeBytes;
    return {
      ok,
      freeMb: Number.isFinite(freeBytes) ? Math.floor(freeBytes / MB) : -1,
      minFreeMb: Math.round(this.#options.minFreeBytes / MB),
      ...(ok ? {} : { code: 'TS_STORAGE_FULL' as const }),
    };
  }
}
