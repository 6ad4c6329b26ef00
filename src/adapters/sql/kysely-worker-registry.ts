import type { Kysely } from 'kysely';
import type { WorkerHeartbeat, WorkerRegistry } from '../../ports/worker-registry.js';
import type { MetadataConnection } from './metadata-connection.js';
import type { MetadataDatabase } from './schema.js';

/** Rows not seen for this long belong to crashed workers and are deleted on the next heartbeat of any worker. */
export const HEARTBEAT_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Worker heartbeats in `worker_heartbeats`, one row per worker process. */
export class KyselyWorkerRegistry implements WorkerRegistry {
  readonly #connection: MetadataConnection;

  constructor(connection: MetadataConnection) {
    this.#connection = connection;
  }

  /** Upsert by worker id, then prune crashed workers' rows: two statements, each atomic; no transaction needed. */
  async recordHeartbeat(beat: WorkerHeartbeat): Promise<void> {
    const row = {
      worker_id: beat.workerId,
      hostname: beat.hostname,
      pid: beat.pid,
      started_at: beat.startedAt.getTime(),
      last_seen_at: beat.lastSeenAt.getTime(),
      active: beat.active,
      concurrency: beat.concurrency,
    };
    await this.#run('recordHeartbeat', async (db) => {
      await db
        .insertInto('worker_heartbeats')
        .values(row)
        .onConflict((conflict) =>
          conflict.column('worker_id').doUpdateSet({
            // A late, slower write must not move a heartbeat backwards.
            last_seen_at: (eb) =>
              eb
                .case()
                .when('worker_heartbeats.last_seen_at', '>', row.last_seen_at)
                .then(eb.ref('worker_heartbeats.last_seen_at'))
                .else(row.last_seen_at)
                .end(),
            active: row.active,
            concurrency: row.concurrency,
          }),
        )
        .execute();
      await db
        .deleteFrom('worker_heartbeats')
        .where('last_seen_at', '<', beat.lastSeenAt.getTime() - HEARTBEAT_RETENTION_MS)
        .execute();
    });
  }

  async listHeartbeats(since: Date): Promise<WorkerHeartbeat[]> {
    return this.#run('listHeartbeats', async (db) => {
      const rows = await db
        .selectFrom('worker_heartbeats')
        .selectAll()
        .where('last_seen_at', '>=', since.getTime())
        .orderBy('worker_id')
        .execute();
      return rows.map((row) => ({
        workerId: row.worker_id,
        hostname: row.hostname,
        pid: Number(row.pid),
        // node-postgres returns int8 as a string.
        startedAt: new Date(Number(row.started_at)),
        lastSeenAt: new Date(Number(row.last_seen_at)),
        active: Number(row.active),
        concurrency: Number(row.concurrency),
      }));
    });
  }

  async removeHeartbeat(workerId: string): Promise<void> {
    await this.#run('removeHeartbeat', (db) =>
      db.deleteFrom('worker_heartbeats').where('worker_id', '=', workerId).execute(),
    );
  }

  #run<T>(operation: string, work: (db: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
    return this.#connection.run(`WorkerRegistry.${operation}`, work);
  }
}
