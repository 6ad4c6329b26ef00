import type { Config } from '../config/config.js';
import { ImagingPool } from '../imaging/index.js';
import type { Closers } from '../lib/closers.js';
import type { Logger } from '../telemetry/logger.js';

/** Which imaging pools start their children at once; a pool not warmed starts a child when first asked. */
export interface WarmPools {
  probe?: boolean;
  render?: boolean;
}

/**
 * The imaging pools: every probe and render runs in a child process with a deadline and a memory ceiling. Uploads are
 * probed in their own children (PROBE_CHILDREN), so a probe never waits behind a render; jobs render in
 * WORKER_CONCURRENCY children, one per job the consumer runs at once.
 */
export function startImagingPools(
  config: Config,
  logger: Logger,
  warm: WarmPools,
  closers: Closers,
): { probe: ImagingPool; render: ImagingPool } {
  const budgets = {
    memoryLimitMb: config.isolation.memoryLimitMb,
    probeTimeoutMs: config.isolation.probeTimeoutMs,
    renderTimeoutMs: config.jobs.timeoutMs,
    settings: { concurrency: config.worker.imagingThreads, cacheMemoryMb: config.worker.imagingCacheMb },
    logger,
  };
  const probe = new ImagingPool({ ...budgets, name: 'probe', size: config.isolation.probeChildren });
  const render = new ImagingPool({ ...budgets, name: 'render', size: config.worker.concurrency });
  closers.add('probe children', () => probe.close());
  closers.add('render children', () => render.close());
  if (warm.probe) probe.warm();
  if (warm.render) render.warm();
  return { probe, render };
}
