import { errorReason } from '../../domain/dependency-errors.js';
import { ThumbsmithError } from '../../domain/errors.js';
import type { OpenContext } from '../../lib/closers.js';
import type { JobQueue, RetryPolicy } from '../../ports/job-queue.js';
import { type BullmqStore, migrateBullmqStore } from './bullmq-connection.js';
import { type BullmqDashboard, createBullmqDashboard } from './bullmq-dashboard.js';
import { createBullmqJobQueue } from './bullmq-job-queue.js';

/** The BullMQ queue's configuration section: on Redis under a key prefix, or on PostgreSQL in a schema. */
export type BullmqSection =
  | { kind: 'redis' /** `redis://…` */; url: string /** Key prefix of this deployment. */; prefix: string }
  | { kind: 'postgres' /** `postgres://…` */; url: string /** Schema of BullMQ's tables. */; schema: string };

function toStore(section: BullmqSection): BullmqStore {
  return section.kind === 'redis'
    ? { kind: 'redis', connection: section.url, prefix: section.prefix }
    : { kind: 'postgres', url: section.url, schema: section.schema };
}

/**
 * The scale-out job queue. On PostgreSQL, BullMQ's tables are created or brought up to date first, like the
 * metadata tables (safe when several processes start at once).
 */
export async function open(
  section: BullmqSection,
  policy: RetryPolicy,
  { logger, closers }: OpenContext,
): Promise<JobQueue> {
  const store = toStore(section);
  try {
    await migrateBullmqStore(store);
  } catch (error) {
    // Not a database failure: the operator is told to check QUEUE_URL (see startup.ts).
    throw new ThumbsmithError('TS_QUEUE_UNAVAILABLE', `Could not prepare the queue's tables (${errorReason(error)}).`, {
      cause: error,
    });
  }
  const queue = createBullmqJobQueue({
    store,
    policy,
    onError: (error) => logger.warn({ err: error }, 'queue connection error'),
  });
  closers.add('queue', () => queue.close());
  return queue;
}

/** bull-board over the queue, on a connection of its own, mounted at `basePath`. */
export function openDashboard(
  section: BullmqSection,
  basePath: string,
  { logger, closers }: OpenContext,
): BullmqDashboard {
  const dashboard = createBullmqDashboard({
    store: toStore(section),
    basePath,
    onError: (error) => logger.warn({ err: error }, 'queue dashboard connection error'),
  });
  closers.add('queue dashboard', () => dashboard.close());
  return dashboard;
}
