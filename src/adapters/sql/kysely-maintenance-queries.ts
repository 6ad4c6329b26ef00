import type { Kysely } from 'kysely';
import type { ImageRecord, ImageStatus } from '../../domain/image.js';
import type { MaintenanceQueries } from '../../ports/maintenance-queries.js';
import { toEpochMs, toImageRecord } from './image-row.js';
import type { MetadataConnection } from './metadata-connection.js';
import { chunks, rowLimit } from './query-bounds.js';
import type { MetadataDatabase } from './schema.js';

/** The deployment-wide reads of the sweeper, retention, the garbage collector and `reprocess`, across tenants. */
export class KyselyMaintenanceQueries implements MaintenanceQueries {
  readonly #connection: MetadataConnection;

  constructor(connection: MetadataConnection) {
    this.#connection = connection;
  }

  async listStaleQueued(before: Date, limit: number): Promise<string[]> {
    return this.#listStale('listStaleQueued', 'queued', before, limit);
  }

  async listStaleProcessing(before: Date, limit: number): Promise<string[]> {
    return this.#listStale('listStaleProcessing', 'processing', before, limit);
  }

  async existingImageIds(ids: readonly string[]): Promise<Set<string>> {
    return this.#run('existingImageIds', async (db) => {
      const found = new Set<string>();
      for (const chunk of chunks(ids)) {
        const rows = await db.selectFrom('images').select('id').where('id', 'in', chunk).execute();
        for (const row of rows) found.add(row.id);
      }
      return found;
    });
  }

  async listCreatedBefore(before: Date, limit: number): Promise<ImageRecord[]> {
    const count = rowLimit(limit);
    if (count === 0) return [];
    return this.#run('listCreatedBefore', async (db) => {
      const rows = await db
        .selectFrom('images')
        .selectAll()
        .where('created_at', '<', toEpochMs(before))
        .orderBy('created_at')
        .orderBy('id')
        .limit(count)
        .execute();
      return rows.map(toImageRecord);
    });
  }

  async countImages(tenant: string): Promise<number> {
    return this.#run('countImages', async (db) => {
      const row = await db
        .selectFrom('images')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('tenant', '=', tenant)
        .executeTakeFirstOrThrow();
      // Postgres counts in int8, which node-postgres hands back as a string.
      return Number(row.count);
    });
  }

  async listDone(afterId: string | undefined, limit: number): Promise<ImageRecord[]> {
    const count = rowLimit(limit);
    if (count === 0) return [];
    return this.#run('listDone', async (db) => {
      let select = db.selectFrom('images').selectAll().where('status', '=', 'done');
      if (afterId !== undefined) select = select.where('id', '>', afterId);
      const rows = await select.orderBy('id').limit(count).execute();
      return rows.map(toImageRecord);
    });
  }

  // One range scan of images_status_updated_at_idx.
  async #listStale(operation: string, status: ImageStatus, before: Date, limit: number): Promise<string[]> {
    const count = rowLimit(limit);
    if (count === 0) return [];
    return this.#run(operation, async (db) => {
      const rows = await db
        .selectFrom('images')
        .select('id')
        .where('status', '=', status)
        .where('updated_at', '<', toEpochMs(before))
        .orderBy('updated_at')
        .orderBy('id')
        .limit(count)
        .execute();
      return rows.map((row) => row.id);
    });
  }

  #run<T>(operation: string, work: (db: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
    return this.#connection.run(`MaintenanceQueries.${operation}`, work);
  }
}
