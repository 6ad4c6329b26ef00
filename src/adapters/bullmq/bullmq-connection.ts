import {
  type BackendFactory,
  createPostgresBackend,
  createRedisBackend,
  type IQueueBackend,
  type PostgresConnection,
  type PostgresConnectionOptions,
  type PostgresQueueBackend,
  runMigrations,
} from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import { settleWithin } from '../../lib/timeout.js';

/** Producer clients run enqueue/counts/ping; consumer clients back a BullMQ Worker. */
export type BullmqClientRole = 'producer' | 'consumer';

/**
 * Where Redis is: a `redis://` URL, ioredis options, or a factory. A factory is called once per client the adapter
 * needs and the adapter closes what it returns; consumer clients must have `maxRetriesPerRequest: null` (BullMQ
 * blocks on them), producer clients should have `enableOfflineQueue: false` so calls fail fast when Redis is down.
 */
export type RedisConnection = string | RedisOptions | ((role: BullmqClientRole) => Redis);

/**
 * Where BullMQ keeps the queue: Redis keys under a prefix, or PostgreSQL tables (BullMQ's own, made by its
 * migrator, see `migrateBullmqStore`) in a schema of their own, so they never meet the metadata tables.
 */
export type BullmqStore =
  | { kind: 'redis'; connection: RedisConnection; prefix: string }
  | { kind: 'postgres'; url: string; schema: string };

/** One connection (Redis) or pool (PostgreSQL) that a BullMQ Queue or Worker is built on; the adapter owns it. */
export interface BullmqClient {
  /** The server's name, for messages. */
  readonly system: string;
  /** BullMQ's `connection` option (and, for Redis, the key `prefix`) for this client. */
  readonly options: { connection: unknown; prefix?: string };
  /** BullMQ's backend for the store, as the third argument of `new Queue()` and `new Worker()`. */
  readonly backend: BackendFactory<IQueueBackend, unknown>;
  /** One round trip to the server. */
  ping(): Promise<void>;
  /** Releases the connection without hanging on a dead server. */
  close(timeoutMs?: number): Promise<void>;
}

export const STORE_SYSTEMS: Record<BullmqStore['kind'], string> = { redis: 'Redis', postgres: 'PostgreSQL' };

export function openBullmqClient(
  store: BullmqStore,
  role: BullmqClientRole,
  onError: (error: unknown) => void,
): BullmqClient {
  return store.kind === 'redis'
    ? redisClient(store.connection, store.prefix, role, onError)
    : postgresClient(store, onError);
}

/** Creates BullMQ's tables in the PostgreSQL store's schema, or brings them up to date (a no-op on Redis). */
export async function migrateBullmqStore(store: BullmqStore, timeoutMs = 5_000): Promise<void> {
  if (store.kind !== 'postgres') return;
  // One session: BullMQ's migrator takes a transaction-scoped advisory lock, so processes starting at once are safe.
  const client = new pg.Client({ connectionString: store.url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await runMigrations(client, store.schema);
  } finally {
    await settleWithin(client.end(), timeoutMs);
  }
}

/** Options the adapter needs per role, over whatever the caller gave. */
const REDIS_ROLE_OPTIONS: Record<BullmqClientRole, RedisOptions> = {
  // Fail fast while disconnected instead of queueing commands until Redis is back (enqueue has a bounded wait).
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  // BullMQ's Worker requires it: blocking commands must wait across reconnects.
  consumer: { maxRetriesPerRequest: null },
};

function redisClient(
  connection: RedisConnection,
  prefix: string,
  role: BullmqClientRole,
  onError: (error: unknown) => void,
): BullmqClient {
  const client =
    typeof connection === 'function'
      ? connection(role)
      : typeof connection === 'string'
        ? new Redis(connection, REDIS_ROLE_OPTIONS[role])
        : new Redis({ ...connection, ...REDIS_ROLE_OPTIONS[role] });
  // ioredis reports connection trouble as 'error' events; an unheard one is printed to stderr on every retry.
  client.on('error', onError);
  return {
    system: STORE_SYSTEMS.redis,
    options: { connection: client, prefix },
    backend: createRedisBackend as BackendFactory<IQueueBackend, unknown>,
    ping: async () => {
      await client.ping();
    },
    close: async (timeoutMs = 1_000) => {
      // QUIT when connected (a failed or slow QUIT closes anyway), otherwise drop the socket.
      if (client.status === 'ready') await settleWithin(client.quit(), timeoutMs);
      client.disconnect();
    },
  };
}

/**
 * BullMQ's PostgreSQL backend builds its own pool (with the schema as every connection's `search_path`, which is how
 * BullMQ's SQL finds its tables, and a LISTEN client of its own that it rebuilds when it drops); this client wraps
 * its factory to reach that pool: for the error listener every checked-out connection needs, for ping and to cut it.
 */
function postgresClient(store: { url: string; schema: string }, onError: (error: unknown) => void): BullmqClient {
  let connection: PostgresConnection | undefined;
  const backend: BackendFactory<PostgresQueueBackend, PostgresConnectionOptions> = (name, opts, factoryOptions) => {
    const created = createPostgresBackend(name, opts, factoryOptions);
    // A connection lost while checked out between queries emits 'error' on itself; unheard, it ends the process.
    created.connection.pool.on('connect', (client) => client.on('error', onError));
    connection ??= created.connection;
    return created;
  };
  return {
    system: STORE_SYSTEMS.postgres,
    options: {
      connection: { connectionString: store.url, schema: store.schema, max: 5, connectionTimeoutMillis: 5_000 },
    },
    backend: backend as BackendFactory<IQueueBackend, unknown>,
    ping: async () => {
      if (!connection) throw new Error('The queue has no PostgreSQL connection yet');
      await connection.pool.query('SELECT 1');
    },
    close: async (timeoutMs = 1_000) => {
      // The Queue or Worker closes it too (closing twice is safe); a dead server's connections would keep it waiting.
      if (connection) await settleWithin(connection.close(), timeoutMs);
    },
  };
}
