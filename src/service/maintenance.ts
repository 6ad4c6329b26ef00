import type { MaintenanceQueries } from '../ports/maintenance-queries.js';
import type { Logger } from '../telemetry/logger.js';
import type { Maintenance, MaintenanceReport } from './retention.js';
import { sweepStaleQueued } from './sweeper.js';
import { removeDeadTempFiles } from './temp-files.js';

/**
 * A temp file of another host (a container sharing DATA_DIR, whose pids mean nothing here) untouched this long is a
 * leftover: a live upload touches its spool file with every write, a render reads its copy for minutes at most.
 */
const FOREIGN_TEMP_STALE_MS = 24 * 60 * 60 * 1000;

/**
 * Removes the spool files and original copies of processes that were killed (nothing else would ever remove them);
 * returns how many. Leftovers only cost disk space (readiness reports it): never a reason not to start or sweep.
 */
export async function removeTempLeftovers(tempDir: string, logger: Logger): Promise<number> {
  try {
    const removed = await removeDeadTempFiles(tempDir, FOREIGN_TEMP_STALE_MS);
    if (removed > 0) logger.info({ removed, dir: tempDir }, 'removed temp files of processes that are gone');
    return removed;
  } catch (error) {
    logger.warn({ err: error, dir: tempDir }, 'could not remove temp files of processes that are gone');
    return 0;
  }
}

export interface SweepDeps {
  tempDir: string;
  /** The stale-row queries the sweeper pages. */
  queries: MaintenanceQueries;
  enqueueRender(imageId: string): Promise<boolean>;
  /** A `queued` row this old is re-enqueued. */
  staleMs: number;
  /** A `processing` row whose last claim is this old is re-enqueued. */
  processingStaleMs: number;
  /** Retention, leaked references and garbage collection. */
  retention: Pick<Maintenance, 'run'>;
  logger: Logger;
}

export type SweepReport = { requeued: number; tempFiles: number } & MaintenanceReport;

/**
 * One sweep: removes temp files of dead processes, re-enqueues stuck images, applies retention, reaps leaked content
 * references and (when due, or with `force`) collects garbage blobs. The periodic sweeper of API processes runs it
 * without options; `thumbsmith sweep` forces everything.
 */
export async function sweep(deps: SweepDeps, options: { force?: boolean } = {}): Promise<SweepReport> {
  const tempFiles = await removeTempLeftovers(deps.tempDir, deps.logger);
  const { requeued } = await sweepStaleQueued({ ...deps, maintenance: deps.queries });
  return { requeued, tempFiles, ...(await deps.retention.run(options)) };
}
