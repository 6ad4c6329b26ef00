import type { OpenContext } from '../../lib/closers.js';
import type { ImageEventRetention, ImageEvents } from '../../ports/image-events.js';
import { type DatabasePorts, withSecurityStores } from '../sql/index.js';
import { createPostgresKysely } from '../sql/postgres-kysely.js';
import { createPostgresImageEvents } from './postgres-image-events.js';
import { createPostgresMetadataStore, migratePostgresDatabase } from './postgres-metadata-store.js';
import { createPostgresPool, type PostgresPoolOptions } from './postgres-pool.js';

export type { PostgresPoolOptions } from './postgres-pool.js';

/**
 * The metadata, key and idempotency stores on one pool, the schema brought up to date first (safe when several
 * processes start at once). The pool closes after the stores.
 */
export async function open(section: PostgresPoolOptions, context: OpenContext): Promise<DatabasePorts> {
  const { logger, closers } = context;
  const pool = createPostgresPool(section, (error, message) => logger.warn({ err: error }, message));
  closers.add('postgres', () => pool.end());
  const metadata = await createPostgresMetadataStore(pool);
  return withSecurityStores(metadata, createPostgresKysely(pool), context);
}

/** `thumbsmith migrate`: connects, migrates, disconnects; the migrations applied. */
export async function migrate(
  section: PostgresPoolOptions,
  { logger }: Pick<OpenContext, 'logger'>,
): Promise<string[]> {
  return migratePostgresDatabase(section.url, (error, message) => logger.warn({ err: error }, message));
}

/** The events' database and schema (the PostgreSQL queue's), and how long events are kept. */
export interface PostgresEventsSection extends ImageEventRetention {
  url: string;
  schema: string;
}

/** Status events in a table of the queue's schema, woken by LISTEN/NOTIFY (the Redis-free scale-out). */
export function openEvents(section: PostgresEventsSection, { logger, closers }: OpenContext): ImageEvents {
  const events = createPostgresImageEvents({
    ...section,
    onError: (error) => logger.warn({ err: error }, 'image events connection error'),
  });
  closers.add('image events', () => events.close());
  return events;
}
