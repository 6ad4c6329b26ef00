import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRetryPolicy, type RetryPolicyConfig } from '../../src/domain/backoff.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import type {
  ClaimedJob,
  JobConsumer,
  JobHandler,
  JobQueue,
  QueueCounts,
  RetryPolicy,
} from '../../src/ports/job-queue.js';
import { firstLine } from '../support/child-output.js';
import { quietPeriod, waitFor } from '../support/wait.js';

export interface JobQueueFixture {
  queue: JobQueue;
  /** Closes every queue and connection the fixture opened and deletes its data. */
  cleanup(): Promise<void>;
  /** Closes `queue` (and its connection), then opens a new queue on the same storage with the same policy. */
  reopen?(): Promise<JobQueue>;
  /** Arguments after the policy for test/support/queue-crash-child.ts that open the same storage in a child. */
  childArgs?: string[];
  /**
   * Lets `ms` of the queue's time pass, for backoffs and lease expiries: a real wait where the queue keeps real
   * time (BullMQ: Redis's clock), a clock step where it takes an injected clock (SQLite), followed by enough real
   * time for its consumers to look at the table again.
   */
  advance(ms: number): Promise<void>;
}

export type MakeJobQueue = (policy: RetryPolicy) => Promise<JobQueueFixture>;

const ROOT = resolve(import.meta.dirname, '../..');
/** Small numbers keep the suite fast: leases of 400 ms, retries after 25–50 ms. */
const POLICY: RetryPolicyConfig = { maxAttempts: 3, backoffMs: 50, backoffMaxMs: 200, leaseMs: 400 };
const TRACE = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'ts=1' };
const EMPTY: Omit<QueueCounts, 'oldestWaitingAgeMs'> = { waiting: 0, active: 0, delayed: 0, dead: 0 };

/**
 * The JobQueue contract: every adapter runs this suite against a real backend. `makeQueue` gets the policy and
 * returns a fresh, empty queue (its own file or key prefix); the crash test hands the policy's config to the child.
 */
export function describeJobQueueContract(name: string, makeQueue: MakeJobQueue): void {
  describe(`JobQueue contract: ${name}`, () => {
    const fixtures: JobQueueFixture[] = [];
    const consumers: JobConsumer[] = [];
    const children: ChildProcess[] = [];

    async function open(config: RetryPolicyConfig = POLICY): Promise<JobQueueFixture> {
      const fixture = await makeQueue(createRetryPolicy(config));
      fixtures.push(fixture);
      return fixture;
    }

    function consume(queue: JobQueue, handler: JobHandler, concurrency = 1): JobConsumer {
      const consumer = queue.consume(handler, { concurrency });
      consumers.push(consumer);
      return consumer;
    }

    afterEach(async () => {
      for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
      await Promise.all(consumers.splice(0).map((consumer) => consumer.stop(2_000)));
      for (const fixture of fixtures.splice(0)) await fixture.cleanup();
    });

    it('delivers the job data, carrier and first attempt, then forgets the acknowledged job', async () => {
      const { queue } = await open();
      const before = Date.now();
      await queue.enqueue({ name: 'render', data: { imageId: 'img_a' } }, { jobId: 'job-a', carrier: TRACE });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_b' } }, { jobId: 'job-b' });
      const seen: ClaimedJob[] = [];
      const consumer = consume(queue, async (job) => {
        seen.push(job);
      });

      await waitFor('both jobs acknowledged', async () => seen.length === 2 && isEmpty(await queue.counts()));
      const byId = new Map(seen.map((job) => [job.id, job]));
      expect(byId.get('job-a')).toMatchObject({
        id: 'job-a',
        name: 'render',
        data: { imageId: 'img_a' },
        attempt: 1,
        maxAttempts: 3,
        carrier: TRACE,
      });
      expect(byId.get('job-b')).toMatchObject({ data: { imageId: 'img_b' }, attempt: 1, carrier: {} });
      const enqueuedAt = byId.get('job-a')?.enqueuedAt;
      expect(enqueuedAt).toBeInstanceOf(Date);
      expect(enqueuedAt?.getTime()).toBeGreaterThanOrEqual(before - 5);
      expect(enqueuedAt?.getTime()).toBeLessThanOrEqual(Date.now());
      expect(consumer.lastHeartbeat()).toBeInstanceOf(Date);
      expect(consumer.activeCount()).toBe(0);
      expect(await queue.counts()).toMatchObject({ ...EMPTY, oldestWaitingAgeMs: 0 });
    });

    it('counts a waiting job and its age', async () => {
      const { queue, advance } = await open();
      expect(await queue.counts()).toEqual({ ...EMPTY, oldestWaitingAgeMs: 0 });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_w' } }, { jobId: 'job-w' });
      await advance(30);
      const counts = await queue.counts();
      expect(counts).toMatchObject({ ...EMPTY, waiting: 1 });
      expect(counts.oldestWaitingAgeMs).toBeGreaterThan(0);
    });

    it('ignores an enqueue of an id that is waiting or running', async () => {
      const { queue } = await open();
      await queue.enqueue({ name: 'render', data: { imageId: 'img_1' } }, { jobId: 'job-d' });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_2' } }, { jobId: 'job-d' });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_3' } }, { jobId: 'job-d' });
      expect(await queue.counts()).toMatchObject({ ...EMPTY, waiting: 1 });

      const gate = deferred();
      const seen: ClaimedJob[] = [];
      consume(queue, async (job) => {
        seen.push(job);
        await gate.promise;
      });
      await waitFor('first delivery', () => seen.length === 1);
      await queue.enqueue({ name: 'render', data: { imageId: 'img_4' } }, { jobId: 'job-d' });
      expect(await queue.counts()).toMatchObject({ ...EMPTY, active: 1 });
      gate.resolve();

      await waitFor('acknowledged', async () => isEmpty(await queue.counts()));
      expect(seen.map((job) => [job.id, job.data, job.attempt])).toEqual([['job-d', { imageId: 'img_1' }, 1]]);
    });

    it('delivers an id again when it is enqueued after its job was acknowledged', async () => {
      const { queue } = await open();
      const seen: ClaimedJob[] = [];
      consume(queue, async (job) => {
        seen.push(job);
      });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_1' } }, { jobId: 'job-again' });
      await waitFor('first run acknowledged', async () => seen.length === 1 && isEmpty(await queue.counts()));
      await queue.enqueue({ name: 'render', data: { imageId: 'img_2' } }, { jobId: 'job-again' });
      await waitFor('second run acknowledged', async () => seen.length === 2 && isEmpty(await queue.counts()));
      expect(seen.map((job) => [job.id, job.data, job.attempt])).toEqual([
        ['job-again', { imageId: 'img_1' }, 1],
        ['job-again', { imageId: 'img_2' }, 1],
      ]);
    });

    it('delivers a job that threw again with the next attempt, after a backoff during which it is delayed', async () => {
      // Backoff 300–600 ms after the first attempt: long enough to see the job delayed.
      const { queue, advance } = await open({ ...POLICY, backoffMs: 600, backoffMaxMs: 600 });
      const seen: ClaimedJob[] = [];
      const failedAt: number[] = [];
      consume(queue, async (job) => {
        seen.push(job);
        if (job.attempt === 1) {
          failedAt.push(Date.now());
          throw new Error('transient');
        }
      });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_r' } }, { jobId: 'job-r', carrier: TRACE });

      await waitFor('the failed job to be delayed', async () => {
        const counts = await queue.counts();
        return counts.delayed === 1 && counts.waiting === 0 && counts.active === 0;
      });
      expect(seen).toHaveLength(1);
      await advance(600);
      await waitFor('second attempt acknowledged', async () => seen.length === 2 && isEmpty(await queue.counts()));
      expect(seen.map((job) => [job.id, job.attempt, job.data, job.carrier])).toEqual([
        ['job-r', 1, { imageId: 'img_r' }, TRACE],
        ['job-r', 2, { imageId: 'img_r' }, TRACE],
      ]);
    });

    it('makes a job dead after maxAttempts, delivers it no more, and accepts its id again', async () => {
      const { queue, advance } = await open({ ...POLICY, maxAttempts: 2 });
      let failing = true;
      const seen: ClaimedJob[] = [];
      consume(queue, async (job) => {
        seen.push(job);
        if (failing) throw new Error(`failure ${job.attempt}`);
      });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_x' } }, { jobId: 'job-x' });

      await waitFor('the job to be dead', async () => (await queue.counts()).dead === 1);
      // Several times the longest backoff: a further delivery would have happened by now.
      await advance(4 * POLICY.backoffMaxMs);
      expect(seen.map((job) => [job.id, job.attempt, job.maxAttempts])).toEqual([
        ['job-x', 1, 2],
        ['job-x', 2, 2],
      ]);
      expect(await queue.counts()).toMatchObject({ ...EMPTY, dead: 1 });

      failing = false;
      await queue.enqueue({ name: 'render', data: { imageId: 'img_x2' } }, { jobId: 'job-x' });
      await waitFor('the re-enqueued job acknowledged', async () => seen.length === 3 && isEmpty(await queue.counts()));
      expect(seen[2]).toMatchObject({ id: 'job-x', attempt: 1, data: { imageId: 'img_x2' } });
    });

    it('never runs more jobs at once than the concurrency', async () => {
      const { queue } = await open();
      for (let i = 0; i < 10; i++) {
        await queue.enqueue({ name: 'render', data: { imageId: `img_${i}` } }, { jobId: `job-c${i}` });
      }
      let running = 0;
      let peak = 0;
      let peakActiveCount = 0;
      const seen: string[] = [];
      const consumer: JobConsumer = consume(
        queue,
        async (job) => {
          running++;
          peak = Math.max(peak, running);
          peakActiveCount = Math.max(peakActiveCount, consumer.activeCount());
          await simulateWork(40);
          seen.push(job.id);
          running--;
        },
        3,
      );
      await waitFor('all ten acknowledged', async () => seen.length === 10 && isEmpty(await queue.counts()));
      expect(peak).toBe(3);
      expect(peakActiveCount).toBeLessThanOrEqual(3);
      expect(new Set(seen).size).toBe(10);
    });

    it('keeps renewing the lease of a handler that runs longer than the lease, so nobody else gets the job', async () => {
      const { queue } = await open({ ...POLICY, leaseMs: 300 });
      const seen: Array<{ job: ClaimedJob; consumer: number }> = [];
      const signals: AbortSignal[] = [];
      const handler = (consumer: number): JobHandler => {
        return async (job, signal) => {
          seen.push({ job, consumer });
          signals.push(signal);
          await simulateWork(1_200);
        };
      };
      consume(queue, handler(1));
      consume(queue, handler(2));
      await queue.enqueue({ name: 'render', data: { imageId: 'img_s' } }, { jobId: 'job-slow' });

      await waitFor(
        'the slow job acknowledged (or delivered twice)',
        async () => seen.length > 1 || (seen.length === 1 && isEmpty(await queue.counts())),
      );
      expect(seen.map(({ job }) => [job.id, job.attempt])).toEqual([['job-slow', 1]]);
      expect(signals.map((signal) => signal.aborted)).toEqual([false]);
    });

    it('stop() waits for the running job, then claims nothing new', async () => {
      const { queue } = await open();
      const started = deferred();
      let finished = false;
      let abortedSignal = false;
      const seen: string[] = [];
      const consumer = consume(queue, async (job, signal) => {
        seen.push(job.id);
        started.resolve();
        await simulateWork(300);
        abortedSignal = signal.aborted;
        finished = true;
      });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_g' } }, { jobId: 'job-g' });
      await started.promise;

      const stopping = consumer.stop(10_000);
      expect(consumer.stop()).toBe(stopping);
      await stopping;
      expect(finished).toBe(true);
      expect(abortedSignal).toBe(false);
      expect(consumer.activeCount()).toBe(0);
      await waitFor('the job acknowledged', async () => isEmpty(await queue.counts()));

      await queue.enqueue({ name: 'render', data: { imageId: 'img_h' } }, { jobId: 'job-h' });
      // Several polls long: a consumer that still claimed would have taken the job by now.
      await quietPeriod(300);
      expect(seen).toEqual(['job-g']);
      expect(await queue.counts()).toMatchObject({ ...EMPTY, waiting: 1 });
    });

    it('stop() past its timeout aborts the handler, and the job comes back to another consumer', async () => {
      const { queue, advance } = await open();
      const started = deferred();
      let reason: unknown;
      const first = consume(queue, async (_job, signal) => {
        started.resolve();
        await new Promise<void>((resolveAbort) => signal.addEventListener('abort', () => resolveAbort()));
        reason = signal.reason;
        throw signal.reason;
      });
      await queue.enqueue({ name: 'render', data: { imageId: 'img_t' } }, { jobId: 'job-t' });
      await started.promise;

      await first.stop(200);
      expect(reason).toBeInstanceOf(ThumbsmithError);
      expect((reason as ThumbsmithError).code).toBe('TS_SHUTTING_DOWN');
      // Nobody renews the stopped consumer's lease any more.
      await advance(POLICY.leaseMs);

      const seen: ClaimedJob[] = [];
      consume(queue, async (job) => {
        seen.push(job);
      });
      await waitFor('redelivery acknowledged', async () => seen.length === 1 && isEmpty(await queue.counts()));
      expect(seen[0]).toMatchObject({ id: 'job-t', attempt: 2 });
    });

    it('keeps jobs across a restart of the queue', async (context) => {
      const fixture = await open();
      if (!fixture.reopen) return context.skip();
      await fixture.queue.enqueue({ name: 'render', data: { imageId: 'img_1' } }, { jobId: 'job-1', carrier: TRACE });
      await fixture.queue.enqueue({ name: 'render', data: { imageId: 'img_2' } }, { jobId: 'job-2' });
      await fixture.queue.enqueue({ name: 'render', data: { imageId: 'img_3' } }, { jobId: 'job-3' });

      const reopened = await fixture.reopen();
      expect(await reopened.counts()).toMatchObject({ ...EMPTY, waiting: 3 });
      const seen: ClaimedJob[] = [];
      consume(reopened, async (job) => {
        seen.push(job);
      });
      await waitFor('all three acknowledged', async () => seen.length === 3 && isEmpty(await reopened.counts()));
      expect(seen.map((job) => [job.id, job.data, job.attempt]).sort()).toEqual([
        ['job-1', { imageId: 'img_1' }, 1],
        ['job-2', { imageId: 'img_2' }, 1],
        ['job-3', { imageId: 'img_3' }, 1],
      ]);
      expect(seen.find((job) => job.id === 'job-1')?.carrier).toEqual(TRACE);
    });

    /** Enqueues a job, lets a child process claim it and SIGKILLs the child mid-handler. */
    async function crashWhileRunning(fixture: JobQueueFixture, config: RetryPolicyConfig, jobId: string) {
      await fixture.queue.enqueue({ name: 'render', data: { imageId: 'img_k' } }, { jobId, carrier: TRACE });
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/support/queue-crash-child.ts', JSON.stringify(config), ...(fixture.childArgs ?? [])],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      const claimed = await firstLine(child, 30_000);
      expect(JSON.parse(claimed)).toEqual({ claimed: jobId, attempt: 1 });
      expect(await fixture.queue.counts()).toMatchObject({ ...EMPTY, active: 1 });
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
      child.kill('SIGKILL');
      await exited;
    }

    it('re-delivers the job of a worker killed mid-job once its lease expires', async (context) => {
      const fixture = await open();
      if (!fixture.childArgs) return context.skip();
      await crashWhileRunning(fixture, POLICY, 'job-k');
      await fixture.advance(POLICY.leaseMs);

      const seen: ClaimedJob[] = [];
      consume(fixture.queue, async (job) => {
        seen.push(job);
      });
      await waitFor('the recovered job acked', async () => seen.length === 1 && isEmpty(await fixture.queue.counts()));
      expect(seen[0]).toMatchObject({ id: 'job-k', attempt: 2, data: { imageId: 'img_k' }, carrier: TRACE });
    });

    it('delivers a job whose worker died on its last attempt once more, with attempt > maxAttempts', async (context) => {
      const config = { ...POLICY, maxAttempts: 1 };
      const fixture = await open(config);
      if (!fixture.childArgs) return context.skip();
      await crashWhileRunning(fixture, config, 'job-last');
      await fixture.advance(POLICY.leaseMs);

      const seen: ClaimedJob[] = [];
      consume(fixture.queue, async (job) => {
        seen.push(job);
        throw new Error('still failing');
      });
      await waitFor('the job to be dead', async () => (await fixture.queue.counts()).dead === 1);
      // Several times the longest backoff: a further delivery would have happened by now.
      await fixture.advance(4 * POLICY.backoffMaxMs);
      expect(seen.map((job) => [job.id, job.attempt, job.maxAttempts])).toEqual([['job-last', 2, 1]]);
      expect(await fixture.queue.counts()).toMatchObject({ ...EMPTY, dead: 1 });
    });
  });
}

function isEmpty(counts: QueueCounts): boolean {
  return counts.waiting === 0 && counts.active === 0 && counts.delayed === 0 && counts.dead === 0;
}

/** Stands for a handler's work taking `ms` (not a wait for something to happen). */
function simulateWork(ms: number): Promise<void> {
  return new Promise((resolveWork) => setTimeout(resolveWork, ms));
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolveDeferred!: () => void;
  const promise = new Promise<void>((resolvePromise) => {
    resolveDeferred = resolvePromise;
  });
  return { promise, resolve: resolveDeferred };
}
