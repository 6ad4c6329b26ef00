import pg from 'pg';

export interface PostgresPoolOptions {
  /** `postgres://…` */
  url: string;
  /** @defaultValue 10 (a server); the one-shot commands use 1 */
  maxConnections?: number;
  /** @defaultValue 5000 */
  connectionTimeoutMs?: number;
}

/** Errors a pool survives: the next query fails instead. */
export type PostgresConnectionErrors = (error: Error, message: string) => void;

/** The one place a node-postgres pool is made, for the server and the one-shot commands alike. */
export function createPostgresPool(options: PostgresPoolOptions, onError: PostgresConnectionErrors): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (error) => onError(error, 'idle Postgres client error'));
  // A client that is checked out but between queries when the server goes away emits 'error' on itself; with no
  // listener that would crash the process (the pool only listens on idle clients).
  pool.on('connect', (client) => {
    client.on('error', (error) => onError(error, 'Postgres connection lost'));
  });
  return pool;
}
