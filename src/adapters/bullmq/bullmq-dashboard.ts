import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import { type BullmqStore, openBullmqClient } from './bullmq-connection.js';

export interface BullmqDashboardOptions {
  /** The queue's store, as given to `createBullmqJobQueue`. */
  store: BullmqStore;
  /** @defaultValue 'jobs' */
  queueName?: string;
  /** Where the dashboard is mounted; its pages link to assets below it. */
  basePath: string;
  /** Connection errors it survives (ioredis reconnects). */
  onError?: (error: unknown) => void;
}

export interface BullmqDashboard {
  /** A Fastify plugin serving bull-board; register it with `prefix: basePath` behind authentication. */
  readonly plugin: ReturnType<FastifyAdapter['registerPlugin']>;
  close(): Promise<void>;
}

/**
 * bull-board over the job queue, on a connection of its own. It shows (and can retry or remove) the jobs that the
 * BullMQ job queue keeps; it adds nothing to the queue's semantics.
 */
export function createBullmqDashboard(options: BullmqDashboardOptions): BullmqDashboard {
  const onError = options.onError ?? (() => {});
  const client = openBullmqClient(options.store, 'producer', onError);
  const queue = new Queue(options.queueName ?? 'jobs', client.options, client.backend);
  queue.on('error', onError);
  const server = new FastifyAdapter();
  server.setBasePath(options.basePath);
  createBullBoard({
    queues: [new BullMQAdapter(queue as unknown as Queue)],
    // @bull-board/fastify 9.10.1 pins its own @bull-board/api 9.10.1: same shapes, separate declarations.
    serverAdapter: server as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Thumbsmith queue' } },
  });
  let closed: Promise<void> | undefined;
  return {
    plugin: server.registerPlugin(),
    close: () => {
      closed ??= (async () => {
        await queue.close().catch(onError);
        await client.close();
      })();
      return closed;
    },
  };
}
