/**
 * A process holding a warm imaging pool of two children, for the test that kills it: prints the children's pids as
 * one JSON line once the pool has answered (one child at least is ready, the other may still be starting), then
 * waits to be killed.
 */
import { DEFAULT_IMAGING_LIMITS, ImagingPool } from '../../src/imaging/index.js';

const pool = new ImagingPool({
  name: 'orphan-test',
  size: 2,
  memoryLimitMb: 1024,
  probeTimeoutMs: 10_000,
  renderTimeoutMs: 10_000,
  settings: { concurrency: 1, cacheMemoryMb: 0 },
  logger: { info: () => {}, warn: () => {} },
});
pool.warm();
const limits = { ...DEFAULT_IMAGING_LIMITS, maxInputPixels: 1e6, maxFrames: 1, maxTotalPixels: 1e6 };
await Promise.allSettled([1, 2].map(() => pool.probe({ buffer: Buffer.from('not an image') }, limits)));
process.stdout.write(`${JSON.stringify(pool.health().pids)}\n`);
setInterval(() => {}, 60_000);
