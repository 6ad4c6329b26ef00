import type { ClaimedJob, JobConsumer, JobDataByName, JobName, JobQueue } from '../ports/job-queue.js';

/** One handler per job name; a job name without a handler does not compile. */
export type JobHandlers = { [N in JobName]: (job: ClaimedJob<N>, signal: AbortSignal) => Promise<void> };

/**
 * Starts consuming the queue with the handlers. Rendering runs on libuv threads inside sharp, so `concurrency` jobs
 * run at once without blocking the event loop that renews their leases.
 */
export function startWorker(queue: JobQueue, handlers: JobHandlers, concurrency: number): JobConsumer {
  return queue.consume(
    (job, signal) => {
      const handler = handlers[job.name] as (job: ClaimedJob<JobName>, signal: AbortSignal) => Promise<void>;
      return handler(job as ClaimedJob<keyof JobDataByName>, signal);
    },
    { concurrency },
  );
}
