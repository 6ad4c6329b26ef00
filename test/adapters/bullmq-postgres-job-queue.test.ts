import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BullmqStore, migrateBullmqStore } from '../../src/adapters/bullmq/bullmq-connection.js';
import { createBullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { createRetryPolicy } from '../../src/domain/backoff.js';
import type { JobConsumer, JobQueue } from '../../src/ports/job-queue.js';
import { describeJobQueueContract } from '../contract/job-queue.contract.js';
import { uniqueQueueSchema } from '../support/queue-fixtures.js';
import { adapterEnabled } from '../support/servers.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/topology.js';
import { waitFor } from '../support/wait.js';

/** BullMQ on its PostgreSQL backend: the same adapter as on Redis, BullMQ's tables in a schema per test. */
describe.runIf(adapterEnabled('bullmq') && adapterEnabled('postgres'))('BullMQ job queue on PostgreSQL', () => {
  let database: ScratchDatabase;

  beforeAll(async () => {
    database = await createScratchDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function migratedStore(): Promise<Extract<BullmqStore, { kind: 'postgres' }>> {
    const store = { kind: 'postgres', url: database.url, schema: uniqueQueueSchema() } as const;
    await migrateBullmqStore(store);
    return store;
  }

  describeJobQueueContract('bullmq on postgres', async (policy) => {
    const store = await migratedStore();
    const open: JobQueue[] = [];
    const openQueue = () => {
      const queue = createBullmqJobQueue({ store, policy });
      open.push(queue);
      return queue;
    };
    const closeAll = async () => {
      for (const queue of open.splice(0)) await queue.close();
    };
    return {
      queue: openQueue(),
      childArgs: ['bullmq', store.url, store.schema],
      async reopen() {
        await closeAll();
        return openQueue();
      },
      async cleanup() {
        await closeAll();
        await database.query(`drop schema if exists ${store.schema} cascade`);
      },
      // BullMQ keeps the server's time: the only way for queue time to pass is to wait.
      advance: (ms) => sleep(ms),
    };
  });

  describe('postgres specifics', () => {
    const policy = createRetryPolicy({ maxAttempts: 2, backoffMs: 50, backoffMaxMs: 100, leaseMs: 400 });
    const consumers: JobConsumer[] = [];

    it('keeps BullMQ tables in their own schema, beside nothing of ours', async () => {
      const store = await migratedStore();
      const tables = await database.query<{ table_schema: string }>(
        'select distinct table_schema from information_schema.tables where table_schema not in ($1, $2)',
        ['pg_catalog', 'information_schema'],
      );
      expect(tables.map((row) => row.table_schema)).toContain(store.schema);
      expect(tables.map((row) => row.table_schema)).not.toContain('public');
      await database.query(`drop schema ${store.schema} cascade`);
    });

    it('migrates a schema twice at once without harm', async () => {
      const store = { kind: 'postgres', url: database.url, schema: uniqueQueueSchema() } as const;
      await Promise.all([migrateBullmqStore(store), migrateBullmqStore(store), migrateBullmqStore(store)]);
      const queue = createBullmqJobQueue({ store, policy });
      try {
        await queue.enqueue({ name: 'render', data: { imageId: 'img_m' } }, { jobId: 'job-m' });
        expect(await queue.counts()).toMatchObject({ waiting: 1 });
      } finally {
        await queue.close();
        await database.query(`drop schema ${store.schema} cascade`);
      }
    });

    it('rejects with TS_QUEUE_UNAVAILABLE within the command timeout when PostgreSQL is unreachable', async () => {
      const queue = createBullmqJobQueue({
        store: { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none', schema: uniqueQueueSchema() },
        policy,
        commandTimeoutMs: 1_000,
      });
      try {
        await expect(
          queue.enqueue({ name: 'render', data: { imageId: 'img_u' } }, { jobId: 'job-u' }),
        ).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
        await expect(queue.ping()).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
        await expect(queue.counts()).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      } finally {
        await queue.close();
      }
    }, 20_000);

    it('aborts the handler when its lock is lost', async () => {
      const store = await migratedStore();
      const queue = createBullmqJobQueue({ store, policy });
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
      try {
        await queue.enqueue({ name: 'render', data: { imageId: 'img_l' } }, { jobId: 'job-l' });
        await claimed;
        // Another worker holds the lock now (as if this one had stalled past it).
        await database.query(`update ${store.schema}.job set lock_token = 'other-worker' where id = 'job-l'`);
        await waitFor('the abort', () => reason !== undefined);
        expect(reason).toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      } finally {
        await Promise.all(consumers.splice(0).map((consumer) => consumer.stop(1_000)));
        await queue.close();
        await database.query(`drop schema ${store.schema} cascade`);
      }
    });

    it('leaves no row of an acknowledged job behind', async () => {
      const store = await migratedStore();
      const queue = createBullmqJobQueue({ store, policy });
      const seen: string[] = [];
      const consumer = queue.consume(async (job) => void seen.push(job.id), { concurrency: 1 });
      try {
        await queue.enqueue({ name: 'render', data: { imageId: 'img_k' } }, { jobId: 'job-k' });
        await waitFor('the ack', async () => seen.length === 1 && (await queue.counts()).active === 0);
        await waitFor(
          'the job row to be removed',
          async () => (await database.query(`select 1 from ${store.schema}.job`)).length === 0,
        );
      } finally {
        await consumer.stop(1_000);
        await queue.close();
        await database.query(`drop schema ${store.schema} cascade`);
      }
    });
  });
});
