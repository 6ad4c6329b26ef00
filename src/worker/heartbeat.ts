import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobConsumer } from '../ports/job-queue.js';
import type { WorkerRegistry } from '../ports/worker-registry.js';
import type { Logger } from '../telemetry/logger.js';

export interface HeartbeatOptions {
  consumer: JobConsumer;
  workers: Pick<WorkerRegistry, 'recordHeartbeat' | 'removeHeartbeat'>;
  concurrency: number;
  /** How often the record is written. */
  intervalMs: number;
  logger: Logger;
}

export interface HeartbeatPublisher {
  readonly workerId: string;
  /** Stops writing and removes this worker's record (it stopped on purpose). Memoised. */
  stop(): Promise<void>;
}

/** `hostname:pid:random`: unique per process start, readable in `/readyz`. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Publishes the consumer's heartbeat (its last successful contact with the queue) to the metadata store, so every
 * process can list the workers. The record only moves when the consumer's heartbeat moves: a worker that lost the
 * queue stops looking alive everywhere, not just in its own `/readyz`.
 */
export function startHeartbeat(options: HeartbeatOptions): HeartbeatPublisher {
  const workerId = newWorkerId();
  const startedAt = new Date();
  let lastWritten: number | undefined;
  let writing: Promise<void> = Promise.resolve();
  const beat = () => {
    const seen = options.consumer.lastHeartbeat();
    if (!seen || seen.getTime() === lastWritten) return;
    writing = options.workers
      .recordHeartbeat({
        workerId,
        hostname: hostname(),
        pid: process.pid,
        startedAt,
        lastSeenAt: seen,
        active: options.consumer.activeCount(),
        concurrency: options.concurrency,
      })
      .then(
        () => {
          lastWritten = seen.getTime();
        },
        (error: unknown) => options.logger.warn({ err: error, workerId }, 'could not record the worker heartbeat'),
      );
  };
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  // The first record as soon as the consumer has reached the queue once.
  setImmediate(beat);
  let stopped: Promise<void> | undefined;
  return {
    workerId,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(timer);
        await writing;
        await options.workers.removeHeartbeat(workerId).catch((error: unknown) => {
          options.logger.warn({ err: error, workerId }, 'could not remove the worker heartbeat');
        });
      })();
      return stopped;
    },
  };
}
