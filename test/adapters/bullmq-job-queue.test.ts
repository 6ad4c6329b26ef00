import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { toBullmqJobId } from '../../src/adapters/bullmq/bullmq-job-payload.js';
import { createBullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { createRetryPolicy } from '../../src/domain/backoff.js';
import type { ClaimedJob, JobConsumer, JobQueue } from '../../src/ports/job-queue.js';
import { describeJobQueueContract } from '../contract/job-queue.contract.js';
import { deleteQueuePrefix, uniqueQueuePrefix } from '../support/queue-fixtures.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

describe.runIf(adapterEnabled('bullmq'))('BullMQ job queue', () => {
  describeJobQueueContract('bullmq', async (policy) => {
    const prefix = uniqueQueuePrefix();
    const open: JobQueue[] = [];
    const openQueue = () => {
      const queue = createBullmqJobQueue({ store: { kind: 'redis', connection: TEST_REDIS_URL, prefix }, policy });
      open.push(queue);
      return queue;
    };
    const closeAll = async () => {
      for (const queue of open.splice(0)) await queue.close();
    };
    return {
      queue: openQueue(),
      childArgs: ['bullmq', TEST_REDIS_URL, prefix],
      async reopen() {
        await closeAll();
        return openQueue();
      },
      async cleanup() {
        await closeAll();
        await deleteQueuePrefix(TEST_REDIS_URL, prefix);
      },
      // BullMQ keeps Redis's time: the only way for queue time to pass is to wait.
      advance: (ms) => sleep(ms),
    };
  });

  describe('bullmq specifics', () => {
    const policy = createRetryPolicy({ maxAttempts: 2, backoffMs: 50, backoffMaxMs: 100, leaseMs: 400 });
    const queues: JobQueue[] = [];
    const consumers: JobConsumer[] = [];
    const prefixes: string[] = [];

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((consumer) => consumer.stop(1_000)));
      for (const queue of queues.splice(0)) await queue.close();
      for (const prefix of prefixes.splice(0)) await deleteQueuePrefix(TEST_REDIS_URL, prefix);
    });

    it('rejects with TS_QUEUE_UNAVAILABLE within the command timeout when Redis is unreachable', async () => {
      const queue = createBullmqJobQueue({
        store: { kind: 'redis', connection: { host: '127.0.0.1', port: 1 }, prefix: uniqueQueuePrefix() },
        policy,
        commandTimeoutMs: 1_000,
      });
      queues.push(queue);
      const started = Date.now();
      await expect(
        queue.enqueue({ name: 'render', data: { imageId: 'img_u' } }, { jobId: 'job-u' }),
      ).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      await expect(queue.ping()).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      await expect(queue.counts()).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      // Three calls, each bounded by the 1 s timeout (the test's own timeout catches a hang).
      expect(Date.now() - started).toBeLessThan(10_000);
    }, 20_000);

    it('accepts job ids BullMQ would reject (colons, integers) and reports them unchanged', async () => {
      const prefix = uniqueQueuePrefix();
      prefixes.push(prefix);
      const queue = createBullmqJobQueue({ store: { kind: 'redis', connection: TEST_REDIS_URL, prefix }, policy });
      queues.push(queue);
      expect(toBullmqJobId('render:img_1')).not.toContain(':');
      expect(toBullmqJobId('42')).not.toBe('42');
      expect(toBullmqJobId('42')).not.toBe(toBullmqJobId('%7E42'));
      await queue.enqueue({ name: 'render', data: { imageId: 'img_1' } }, { jobId: 'render:img_1' });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_2' } }, { jobId: '42' });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_2' } }, { jobId: '42' });
      expect(await queue.counts()).toMatchObject({ waiting: 2 });
      const seen: ClaimedJob[] = [];
      consumers.push(queue.consume(async (job) => void seen.push(job), { concurrency: 2 }));
      await waitFor('both acknowledged', async () => seen.length === 2 && (await queue.counts()).active === 0);
      expect(seen.map((job) => job.id).sort()).toEqual(['42', 'render:img_1']);
    });

    it('aborts the handler when its lock is lost', async () => {
      const prefix = uniqueQueuePrefix();
      prefixes.push(prefix);
      const queue = createBullmqJobQueue({ store: { kind: 'redis', connection: TEST_REDIS_URL, prefix }, policy });
      queues.push(queue);
      let reason: unknown;
      const claimed = new Promise<void>((resolveClaimed) => {
        consumers.push(
          queue.consume(
            async (_job, signal) => {
              resolveClaimed();
              await new Promise<void>((resolveAbort) => signal.addEventListener('abort', () => resolveAbort()));
              reason = signal.reason;
            },
            { concurrency: 1 },
          ),
        );
      });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_l' } }, { jobId: 'job-l' });
      await claimed;
      // Another worker holds the lock now (as if this one had stalled past it).
      const redis = new Redis(TEST_REDIS_URL);
      try {
        await redis.set(`${prefix}:jobs:job-l:lock`, 'other-worker', 'PX', 60_000);
      } finally {
        redis.disconnect();
      }
      await waitFor('the abort', () => reason !== undefined);
      expect(reason).toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
    });

    it('keeps only bounded BullMQ state: acknowledged jobs leave no keys behind', async () => {
      const prefix = uniqueQueuePrefix();
      prefixes.push(prefix);
      const queue = createBullmqJobQueue({ store: { kind: 'redis', connection: TEST_REDIS_URL, prefix }, policy });
      queues.push(queue);
      await queue.enqueue({ name: 'render', data: { imageId: 'img_k' } }, { jobId: 'job-k' });
      const seen: string[] = [];
      consumers.push(queue.consume(async (job) => void seen.push(job.id), { concurrency: 1 }));
      await waitFor('the ack', async () => seen.length === 1 && (await queue.counts()).active === 0);
      const redis = new Redis(TEST_REDIS_URL);
      try {
        await waitFor('the job hash to be removed', async () => (await redis.exists(`${prefix}:jobs:job-k`)) === 0);
      } finally {
        redis.disconnect();
      }
    });
  });
});
