import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { createSqliteJobQueue } from '../../src/adapters/sqlite/sqlite-job-queue.js';
import { createRetryPolicy } from '../../src/domain/backoff.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import {
  deleteQueuePrefix,
  makeQueueTempDir,
  openQueueDatabase,
  removeQueueTempDir,
  uniqueQueuePrefix,
} from '../support/queue-fixtures.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';

/**
 * End-to-end throughput with a no-op handler: enqueue N jobs, then consume them with concurrency 4. It prints the
 * figures and asserts only that every job was delivered exactly once (no timed assertions; the target of
 * >= 1,000 jobs/s is checked by reading the output).
 */
const N = 5_000;
const CONCURRENCY = 4;
const policy = createRetryPolicy({ maxAttempts: 3, backoffMs: 1_000, backoffMaxMs: 10_000, leaseMs: 30_000 });

describe('job queue throughput (no-op handler)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function measure(name: string, queue: JobQueue): Promise<void> {
    const enqueueStart = performance.now();
    // Enqueue in batches of concurrent calls, as an API under load would.
    for (let i = 0; i < N; i += 100) {
      const batch = [];
      for (let j = i; j < Math.min(i + 100, N); j++) {
        batch.push(queue.enqueue({ name: 'render', data: { imageId: `img_${j}` } }, { jobId: `job-${j}` }));
      }
      await Promise.all(batch);
    }
    const enqueueMs = performance.now() - enqueueStart;
    expect((await queue.counts()).waiting).toBe(N);

    const seen = new Set<string>();
    let deliveries = 0;
    let done!: () => void;
    const all = new Promise<void>((resolveAll) => {
      done = resolveAll;
    });
    const consumeStart = performance.now();
    const consumer = queue.consume(
      async (job) => {
        seen.add(job.id);
        if (++deliveries === N) done();
      },
      { concurrency: CONCURRENCY },
    );
    await all;
    const consumeMs = performance.now() - consumeStart;
    await consumer.stop(5_000);

    expect(deliveries).toBe(N);
    expect(seen.size).toBe(N);
    expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, delayed: 0, dead: 0 });
    const rate = (ms: number) => Math.round((N / ms) * 1_000);
    console.log(
      `[throughput] ${name}: enqueue ${rate(enqueueMs)} jobs/s, consume (concurrency ${CONCURRENCY}) ` +
        `${rate(consumeMs)} jobs/s, end-to-end ${rate(enqueueMs + consumeMs)} jobs/s (N=${N})`,
    );
  }

  it.runIf(adapterEnabled('sqlite'))('sqlite', async () => {
    const dir = await makeQueueTempDir();
    const database = openQueueDatabase(join(dir, 'thumbsmith.db'));
    const queue = createSqliteJobQueue(database, policy);
    cleanups.push(async () => {
      await queue.close();
      database.close();
      await removeQueueTempDir(dir);
    });
    await measure('sqlite', queue);
  });

  it.runIf(adapterEnabled('bullmq'))('bullmq', async () => {
    const prefix = uniqueQueuePrefix();
    const queue = createBullmqJobQueue({ store: { kind: 'redis', connection: TEST_REDIS_URL, prefix }, policy });
    cleanups.push(async () => {
      await queue.close();
      await deleteQueuePrefix(TEST_REDIS_URL, prefix);
    });
    await measure('bullmq', queue);
  });
});
