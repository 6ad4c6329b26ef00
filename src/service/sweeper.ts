import type { MaintenanceQueries } from '../ports/maintenance-queries.js';
import type { Logger } from '../telemetry/logger.js';

export interface SweeperDeps {
  maintenance: MaintenanceQueries;
  enqueueRender(imageId: string): Promise<boolean>;
  /** A `queued` row this old is re-enqueued. */
  staleMs: number;
  /**
   * A `processing` row whose last claim is this old is re-enqueued. Keep it well above the longest live delivery
   * (render time limit + lease renewal slack) so the sweeper does not even ask the queue about running jobs.
   * @defaultValue staleMs
   */
  processingStaleMs?: number;
  logger: Logger;
  clock?: () => Date;
}

const BATCH = 500;

/**
 * Re-enqueues images whose row is unfinished but has not moved for a while; the row is the truth, the queue only
 * carries work, so this is what makes a lost job harmless:
 * - `queued` for `staleMs`: a crash (or a queue outage) between writing the row and enqueueing its job, or a job
 *   that died while the database was unreachable;
 * - `processing` for `processingStaleMs`: the job was lost after it was claimed (Redis restarted without
 *   persistence, or the job died after its attempts while the database was unreachable).
 *
 * Why this never renders an image twice at the same time: enqueueing is deduplicated by job id (`render:<id>`) in
 * both queues; while the image's job exists (waiting, delayed or running, including a running job whose worker
 * crashed and whose lease the queue will expire) the enqueue is a no-op. It only adds a job when none exists or the
 * old one is dead, and a handler acknowledges (removes) its job only after writing the row's next status — so a new
 * job for a row that finished in the meantime is dropped by the handler at once. At worst a job that is lost while
 * its handler still runs (Redis data loss during a render) gets a second delivery: the render is idempotent and
 * `markDone` keeps the first result.
 */
export async function sweepStaleQueued(deps: SweeperDeps): Promise<{ requeued: number }> {
  const now = (deps.clock?.() ?? new Date()).getTime();
  const queued = await deps.maintenance.listStaleQueued(new Date(now - deps.staleMs), BATCH);
  const processing = await deps.maintenance.listStaleProcessing(
    new Date(now - (deps.processingStaleMs ?? deps.staleMs)),
    BATCH,
  );
  let requeued = 0;
  for (const id of [...queued, ...processing]) if (await deps.enqueueRender(id)) requeued += 1;
  if (queued.length + processing.length > 0) {
    deps.logger.info(
      { queued: queued.length, processing: processing.length, requeued },
      'sweeper re-enqueued stale images',
    );
  }
  return { requeued };
}
