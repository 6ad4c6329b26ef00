import type { OpenContext } from '../../lib/closers.js';
import type { JobQueue, RetryPolicy } from '../../ports/job-queue.js';
import { type BullmqDashboard, createBullmqDashboard } from './bullmq-dashboard.js';
import { createBullmqJobQueue } from './bullmq-job-queue.js';

/** The Redis queue's configuration section. */
export interface BullmqSection {
  /** `redis://…` */
  url: string;
  /** Key prefix of this deployment. */
  prefix: string;
}

/** The scale-out job queue on Redis. */
export function open({ url, prefix }: BullmqSection, policy: RetryPolicy, { logger, closers }: OpenContext): JobQueue {
  const queue = createBullmqJobQueue({
    connection: url,
    prefix,
    policy,
    onError: (error) => logger.warn({ err: error }, 'queue connection error'),
  });
  closers.add('queue', () => queue.close());
  return queue;
}

/** bull-board over the queue, on a connection of its own, mounted at `basePath`. */
export function openDashboard(
  { url, prefix }: BullmqSection,
  basePath: string,
  { logger, closers }: OpenContext,
): BullmqDashboard {
  const dashboard = createBullmqDashboard({
    connection: url,
    prefix,
    basePath,
    onError: (error) => logger.warn({ err: error }, 'queue dashboard connection error'),
  });
  closers.add('queue dashboard', () => dashboard.close());
  return dashboard;
}
