import type { ContentStore } from './content-store.js';
import type { ImageStore } from './image-store.js';
import type { MaintenanceQueries } from './maintenance-queries.js';
import type { WorkerRegistry } from './worker-registry.js';

/** The stores one metadata database (SQLite or Postgres) serves, one port per concern. */
export interface MetadataStores {
  images: ImageStore;
  contents: ContentStore;
  workers: WorkerRegistry;
  maintenance: MaintenanceQueries;
  /** Round trip to the database; throws `TS_DATABASE_UNAVAILABLE` when it cannot be reached. */
  ping(): Promise<void>;
}
