import { Redis, type RedisOptions } from 'ioredis';
import { settleWithin } from '../../lib/timeout.js';

/** Producer clients run enqueue/counts/ping; consumer clients back a BullMQ Worker. */
export type RedisClientRole = 'producer' | 'consumer';

/**
 * Where Redis is: a `redis://` URL, ioredis options, or a factory. A factory is called once per client the adapter
 * needs and the adapter closes what it returns; consumer clients must have `maxRetriesPerRequest: null` (BullMQ
 * blocks on them), producer clients should have `enableOfflineQueue: false` so calls fail fast when Redis is down.
 */
export type BullmqConnection = string | RedisOptions | ((role: RedisClientRole) => Redis);

/** Options the adapter needs per role, over whatever the caller gave. */
const ROLE_OPTIONS: Record<RedisClientRole, RedisOptions> = {
  // Fail fast while disconnected instead of queueing commands until Redis is back (enqueue has a bounded wait).
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  // BullMQ's Worker requires it: blocking commands must wait across reconnects.
  consumer: { maxRetriesPerRequest: null },
};

export function createRedisClient(connection: BullmqConnection, role: RedisClientRole): Redis {
  if (typeof connection === 'function') return connection(role);
  if (typeof connection === 'string') return new Redis(connection, ROLE_OPTIONS[role]);
  return new Redis({ ...connection, ...ROLE_OPTIONS[role] });
}

/** Closes a client without hanging on a dead server: QUIT when connected (bounded), otherwise drop the socket. */
export async function closeRedisClient(client: Redis, timeoutMs = 1_000): Promise<void> {
  // A failed or slow QUIT closes anyway.
  if (client.status === 'ready') await settleWithin(client.quit(), timeoutMs);
  client.disconnect();
}
