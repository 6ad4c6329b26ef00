import type { Kysely } from 'kysely';
import type { MetadataStores } from '../../ports/metadata-store.js';
import { KyselyContentStore } from './kysely-content-store.js';
import { KyselyImageStore } from './kysely-image-store.js';
import { KyselyMaintenanceQueries } from './kysely-maintenance-queries.js';
import { KyselyWorkerRegistry } from './kysely-worker-registry.js';
import { MetadataConnection, type MetadataConnectionOptions } from './metadata-connection.js';
import { migrateToLatest } from './migrate-to-latest.js';
import type { MetadataDatabase } from './schema.js';

/** The metadata stores of one database and the one `close()` that releases them all. */
export interface OpenMetadataStores extends MetadataStores {
  /** Releases every store; the borrowed SQLite handle or pg pool stays open for its owner. Idempotent. */
  close(): Promise<void>;
}

/** Every metadata store over one Kysely instance, which they then own; no migration (see openKyselyMetadataStores). */
export function kyselyMetadataStores(
  db: Kysely<MetadataDatabase>,
  options?: MetadataConnectionOptions,
): OpenMetadataStores {
  const connection = new MetadataConnection(db, options);
  return {
    images: new KyselyImageStore(connection),
    contents: new KyselyContentStore(connection),
    workers: new KyselyWorkerRegistry(connection),
    maintenance: new KyselyMaintenanceQueries(connection),
    ping: () => connection.ping(),
    close: () => connection.close(),
  };
}

/**
 * Brings the schema up to date, then returns the stores; on a failed migration the Kysely instance is destroyed (the
 * driver's connection or pool stays the caller's). Both dialects' factories are this plus their Kysely helper.
 */
export async function openKyselyMetadataStores(
  db: Kysely<MetadataDatabase>,
  options?: MetadataConnectionOptions,
): Promise<OpenMetadataStores> {
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return kyselyMetadataStores(db, options);
}
