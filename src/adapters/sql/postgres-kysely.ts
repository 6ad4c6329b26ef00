import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import type { MetadataDatabase } from './schema.js';

/**
 * A Kysely instance over a node-postgres pool. The pool is borrowed: `destroy()` does not end it; whoever created the
 * pool ends it (and listens for its `error` events).
 */
export function createPostgresKysely(pool: Pick<PostgresPool, 'connect'>): Kysely<MetadataDatabase> {
  const borrowed: PostgresPool = {
    connect: () => pool.connect(),
    end: async () => {},
  };
  return new Kysely<MetadataDatabase>({ dialect: new PostgresDialect({ pool: borrowed }) });
}
