import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteJobQueue } from '../../src/adapters/sqlite/sqlite-job-queue.js';
import { createRetryPolicy } from '../../src/domain/backoff.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import type { ClaimedJob, JobConsumer, JobQueue } from '../../src/ports/job-queue.js';
import { describeJobQueueContract } from '../contract/job-queue.contract.js';
import { makeQueueTempDir, openQueueDatabase, removeQueueTempDir } from '../support/queue-fixtures.js';
import { adapterEnabled } from '../support/servers.js';
import { SteppedClock } from '../support/stepped-clock.js';
import { quietPeriod, waitFor } from '../support/wait.js';

/** How often an idle test consumer looks for due jobs. */
const POLL_MS = 50;

describe.runIf(adapterEnabled('sqlite'))('SQLite job queue', () => {
  describeJobQueueContract('sqlite', async (policy) => {
    const dir = await makeQueueTempDir();
    const file = join(dir, 'thumbsmith.db');
    const clock = new SteppedClock();
    const open: Array<{ queue: JobQueue; database: Database.Database }> = [];
    const openQueue = () => {
      const database = openQueueDatabase(file);
      const queue = createSqliteJobQueue(database, policy, { pollIntervalMs: POLL_MS, clock });
      open.push({ queue, database });
      return queue;
    };
    const closeAll = async () => {
      for (const { queue, database } of open.splice(0)) {
        await queue.close();
        database.close();
      }
    };
    return {
      queue: openQueue(),
      childArgs: ['sqlite', file],
      async reopen() {
        await closeAll();
        return openQueue();
      },
      async cleanup() {
        await closeAll();
        await removeQueueTempDir(dir);
      },
      async advance(ms) {
        clock.advance(ms);
        // Two polls: every consumer has looked at the table at the new time.
        await quietPeriod(2 * POLL_MS);
      },
    };
  });

  describe('sqlite specifics', () => {
    const policy = createRetryPolicy({ maxAttempts: 2, backoffMs: 50, backoffMaxMs: 100, leaseMs: 400 });
    let dir: string | undefined;
    let database: Database.Database | undefined;
    let clock = new SteppedClock();
    const consumers: JobConsumer[] = [];

    async function openDatabase(): Promise<Database.Database> {
      dir = await makeQueueTempDir();
      database = openQueueDatabase(join(dir, 'thumbsmith.db'));
      return database;
    }

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((consumer) => consumer.stop(1_000)));
      if (database?.open) database.close();
      if (dir) await removeQueueTempDir(dir);
      dir = undefined;
      database = undefined;
      clock = new SteppedClock();
    });

    it('creates its own table and index, and deletes acknowledged jobs', async () => {
      const db = await openDatabase();
      const queue = createSqliteJobQueue(db, policy);
      const columns = db
        .prepare(`SELECT name FROM pragma_table_info('jobs') ORDER BY cid`)
        .all()
        .map((row) => (row as { name: string }).name);
      expect(columns).toEqual([
        'id',
        'name',
        'data',
        'carrier',
        'state',
        'attempt',
        'max_attempts',
        'run_at',
        'lease_until',
        'lease_token',
        'enqueued_at',
        'last_error',
      ]);
      const index = db.prepare(`SELECT name FROM pragma_index_list('jobs') WHERE name = 'jobs_state_run_at'`).get();
      expect(index).toEqual({ name: 'jobs_state_run_at' });
      // A second queue on the same file finds the table in place.
      createSqliteJobQueue(db, policy);

      await queue.enqueue({ name: 'render', data: { imageId: 'img_a' } }, { jobId: 'job-a' });
      expect(db.prepare(`SELECT id, state, attempt FROM jobs`).all()).toEqual([
        { id: 'job-a', state: 'waiting', attempt: 0 },
      ]);
      const seen: string[] = [];
      consumers.push(queue.consume(async (job) => void seen.push(job.id), { concurrency: 1 }));
      await waitFor('the row to be deleted', () => seen.length === 1 && count(db) === 0);
    });

    it('wakes an idle consumer at once when the job is enqueued in the same process', async () => {
      const db = await openDatabase();
      // A poll interval longer than the wait below: only the in-process wake-up can deliver the job in time.
      const queue = createSqliteJobQueue(db, policy, { pollIntervalMs: 60_000 });
      const seen: string[] = [];
      const consumer = queue.consume(async (job) => void seen.push(job.id), { concurrency: 1 });
      consumers.push(consumer);
      // Its first look at the (empty) table beats the heartbeat; from then on it sleeps for the whole interval.
      await waitFor('the consumer to go idle', () => consumer.lastHeartbeat() !== undefined);
      await queue.enqueue({ name: 'render', data: { imageId: 'img_w' } }, { jobId: 'job-w' });
      await waitFor('the woken consumer', () => seen.length === 1, { timeoutMs: 5_000 });
      expect(seen).toEqual(['job-w']);
    });

    it('delivers a job whose lease expired after its last attempt, with attempt > maxAttempts', async () => {
      const db = await openDatabase();
      const queue = createSqliteJobQueue(db, policy, { pollIntervalMs: POLL_MS, clock });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_l' } }, { jobId: 'job-l' });
      // What a worker that crashed during attempt 2 of 2 leaves behind.
      db.prepare(
        `UPDATE jobs SET state = 'active', attempt = 2, lease_token = 'crashed', lease_until = ? WHERE id = 'job-l'`,
      ).run(clock.now() - 1);
      const seen: ClaimedJob[] = [];
      consumers.push(
        queue.consume(
          async (job) => {
            seen.push(job);
            throw new ThumbsmithError('TS_ATTEMPTS_EXHAUSTED');
          },
          { concurrency: 1 },
        ),
      );
      await waitFor('the job to be dead', async () => (await queue.counts()).dead === 1);
      expect(seen.map((job) => [job.id, job.attempt, job.maxAttempts])).toEqual([['job-l', 3, 2]]);
      expect(db.prepare(`SELECT state, attempt, last_error FROM jobs`).get()).toEqual({
        state: 'dead',
        attempt: 3,
        last_error: 'TS_ATTEMPTS_EXHAUSTED: The job failed on every attempt',
      });
    });

    it('aborts the handler when its lease is lost and leaves the new owner alone', async () => {
      const db = await openDatabase();
      const queue = createSqliteJobQueue(db, policy, { pollIntervalMs: POLL_MS, clock });
      let reason: unknown;
      let resolveLost!: () => void;
      const lost = new Promise<void>((resolve) => {
        resolveLost = resolve;
      });
      const consumer = queue.consume(
        async (_job, signal) => {
          await new Promise<void>((resolveAbort) => signal.addEventListener('abort', () => resolveAbort()));
          reason = signal.reason;
          resolveLost();
        },
        { concurrency: 1 },
      );
      consumers.push(consumer);
      await queue.enqueue({ name: 'render', data: { imageId: 'img_s' } }, { jobId: 'job-s' });
      await waitFor('the claim', () => count(db, `state = 'active'`) === 1);
      // Another worker took the job over (as if this one had stalled past its lease).
      db.prepare(`UPDATE jobs SET lease_token = 'other-worker', lease_until = ? WHERE id = 'job-s'`).run(
        clock.now() + 60_000,
      );
      await lost;
      expect(reason).toBeInstanceOf(ThumbsmithError);
      expect((reason as ThumbsmithError).code).toBe('TS_QUEUE_UNAVAILABLE');
      await waitFor('the handler to finish and try its ack', () => consumer.activeCount() === 0);
      // The handler resolved, but its ack matched no row: the new owner's lease stands.
      expect(db.prepare(`SELECT state, lease_token FROM jobs`).get()).toEqual({
        state: 'active',
        lease_token: 'other-worker',
      });
    });

    it('reports a closed database as TS_QUEUE_UNAVAILABLE and a closed queue as TS_SHUTTING_DOWN', async () => {
      const db = await openDatabase();
      const queue = createSqliteJobQueue(db, policy);
      await queue.ping();
      db.close();
      await expect(queue.ping()).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      await expect(
        queue.enqueue({ name: 'render', data: { imageId: 'img_c' } }, { jobId: 'job-c' }),
      ).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      await expect(queue.counts()).rejects.toMatchObject({ code: 'TS_QUEUE_UNAVAILABLE' });
      await queue.close();
      await expect(
        queue.enqueue({ name: 'render', data: { imageId: 'img_c' } }, { jobId: 'job-c' }),
      ).rejects.toMatchObject({ code: 'TS_SHUTTING_DOWN' });
      expect(() => queue.consume(async () => {}, { concurrency: 1 })).toThrow(ThumbsmithError);
    });

    it('close() stops the consumers it created', async () => {
      const db = await openDatabase();
      const queue = createSqliteJobQueue(db, policy, { pollIntervalMs: POLL_MS });
      const seen: string[] = [];
      queue.consume(async (job) => void seen.push(job.id), { concurrency: 2 });
      await queue.close();
      // Another queue on the same database enqueues; the closed queue's consumer must not take it.
      const other = createSqliteJobQueue(db, policy);
      await other.enqueue({ name: 'render', data: { imageId: 'img_z' } }, { jobId: 'job-z' });
      // Four polls long: a consumer that still claimed would have taken the job by now.
      await quietPeriod(4 * POLL_MS);
      expect(seen).toEqual([]);
      expect(await other.counts()).toMatchObject({ waiting: 1, active: 0 });
    });
  });
});

function count(db: Database.Database, where = '1 = 1'): number {
  return (db.prepare(`SELECT count(*) AS n FROM jobs WHERE ${where}`).get() as { n: number }).n;
}
