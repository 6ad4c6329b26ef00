import type { MetadataStore } from '../ports/metadata-store.js';
import type { Logger } from '../telemetry/logger.js';

export interface SweeperDeps {
  metadata: MetadataStore;
  enqueueRender(imageId: string): Promise<boolean>;
  staleMs: number;
  logger: Logger;
  clock?: () => Date;
}

const BATCH = 500;

/**
 * Re-enqueues images whose row says `queued` but that have not moved for `staleMs`: this covers a crash (or a queue
 * outage) between writing the row and enqueueing its job. Enqueueing is deduplicated by job id, so an image whose
 * job is merely waiting is not rendered twice.
 */
export async function sweepStaleQueued(deps: SweeperDeps): Promise<{ requeued: number }> {
  const before = new Date((deps.clock?.() ?? new Date()).getTime() - deps.staleMs);
  let requeued = 0;
  const ids = await deps.metadata.listStaleQueued(before, BATCH);
  for (const id of ids) if (await deps.enqueueRender(id)) requeued += 1;
  if (ids.length > 0) deps.logger.info({ found: ids.length, requeued }, 'sweeper re-enqueued stale images');
  return { requeued };
}
