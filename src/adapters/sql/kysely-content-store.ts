import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { ContentRef } from '../../domain/content-keys.js';
import type { ImageRecord } from '../../domain/image.js';
import type { ContentStore } from '../../ports/content-store.js';
import { toEpochMs, toImageRecord } from './image-row.js';
import type { MetadataConnection } from './metadata-connection.js';
import { chunks, rowLimit } from './query-bounds.js';
import type { MetadataDatabase } from './schema.js';

/**
 * Content references in the `contents` table: one row per live (tenant, sha256) with its reference count. The primary
 * key serialises concurrent acquires and releases of one content, so no method needs a transaction.
 */
export class KyselyContentStore implements ContentStore {
  readonly #connection: MetadataConnection;

  constructor(connection: MetadataConnection) {
    this.#connection = connection;
  }

  /** One upsert: the new row, or the live one with one more reference. */
  async acquireContent(candidate: ContentRef, at: Date): Promise<{ content: ContentRef; created: boolean }> {
    const ms = toEpochMs(at);
    return this.#run('acquireContent', async (db) => {
      const row = await db
        .insertInto('contents')
        .values({
          tenant: candidate.tenant,
          sha256: candidate.sha256,
          generation: candidate.generation,
          original_key: candidate.originalKey,
          refs: 1,
          created_at: ms,
          updated_at: ms,
        })
        .onConflict((conflict) =>
          conflict.columns(['tenant', 'sha256']).doUpdateSet({ refs: sql<number>`contents.refs + 1`, updated_at: ms }),
        )
        .returning(['tenant', 'sha256', 'generation', 'original_key'])
        .executeTakeFirstOrThrow();
      return { content: toContentRef(row), created: row.generation === candidate.generation };
    });
  }

  /**
   * Decrement, then delete the row only if the count is still 0. An acquire between the two statements revives the
   * row (count 1, same generation) and the delete then matches nothing: the blobs stay, as they must.
   */
  async releaseContent(content: ContentRef, at: Date): Promise<boolean> {
    return this.#run('releaseContent', async (db) => {
      const row = await db
        .updateTable('contents')
        .set({ refs: sql<number>`refs - 1`, updated_at: toEpochMs(at) })
        .where('tenant', '=', content.tenant)
        .where('sha256', '=', content.sha256)
        .where('generation', '=', content.generation)
        .where('refs', '>', 0)
        .returning('refs')
        .executeTakeFirst();
      if (row === undefined || Number(row.refs) > 0) return false;
      const deleted = await db
        .deleteFrom('contents')
        .where('tenant', '=', content.tenant)
        .where('sha256', '=', content.sha256)
        .where('generation', '=', content.generation)
        .where('refs', '=', 0)
        .returning('generation')
        .executeTakeFirst();
      return deleted !== undefined;
    });
  }

  async listByContent(content: ContentRef, limit: number): Promise<ImageRecord[]> {
    const count = rowLimit(limit);
    if (count === 0) return [];
    return this.#run('listByContent', async (db) => {
      const rows = await db
        .selectFrom('images')
        .selectAll()
        .where('tenant', '=', content.tenant)
        .where('original_sha256', '=', content.sha256)
        .where('original_key', '=', content.originalKey)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(count)
        .execute();
      return rows.map(toImageRecord);
    });
  }

  async reapUnreferencedContents(before: Date, limit: number, since?: Date): Promise<ContentRef[]> {
    const count = rowLimit(limit);
    if (count === 0) return [];
    const ms = toEpochMs(before);
    return this.#run('reapUnreferencedContents', async (db) => {
      const candidates = await db
        .selectFrom('contents')
        .selectAll()
        .where('updated_at', '<', ms)
        .where('updated_at', '>=', since === undefined ? 0 : toEpochMs(since))
        .where((eb) => eb.not(eb.exists(referencingImages(eb))))
        .orderBy('updated_at')
        .limit(count)
        .execute();
      const reaped: ContentRef[] = [];
      for (const candidate of candidates) {
        // Checked again in the delete itself: an acquire since the select moved updated_at, an insert added a row.
        const gone = await db
          .deleteFrom('contents')
          .where('tenant', '=', candidate.tenant)
          .where('sha256', '=', candidate.sha256)
          .where('generation', '=', candidate.generation)
          .where('updated_at', '<', ms)
          .where((eb) => eb.not(eb.exists(referencingImages(eb))))
          .returning('generation')
          .executeTakeFirst();
        if (gone !== undefined) reaped.push(toContentRef(candidate));
      }
      return reaped;
    });
  }

  async existingContentGenerations(generations: readonly string[]): Promise<Set<string>> {
    return this.#run('existingContentGenerations', async (db) => {
      const found = new Set<string>();
      for (const chunk of chunks(generations)) {
        const rows = await db.selectFrom('contents').select('generation').where('generation', 'in', chunk).execute();
        for (const row of rows) found.add(row.generation);
      }
      return found;
    });
  }

  #run<T>(operation: string, work: (db: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
    return this.#connection.run(`ContentStore.${operation}`, work);
  }
}

function toContentRef(row: { tenant: string; sha256: string; generation: string; original_key: string }): ContentRef {
  return { tenant: row.tenant, sha256: row.sha256, generation: row.generation, originalKey: row.original_key };
}

/** The images that hold a reference on the `contents` row of the enclosing query. */
function referencingImages(eb: ExpressionBuilder<MetadataDatabase, 'contents'>) {
  return eb
    .selectFrom('images')
    .select(sql<number>`1`.as('one'))
    .whereRef('images.tenant', '=', 'contents.tenant')
    .whereRef('images.original_sha256', '=', 'contents.sha256')
    .whereRef('images.original_key', '=', 'contents.original_key');
}
