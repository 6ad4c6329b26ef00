import { contentGenerationTime, parseContentKey, parseLegacyKey } from '../domain/content-keys.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ContentStore } from '../ports/content-store.js';
import type { MaintenanceQueries } from '../ports/maintenance-queries.js';
import type { Logger } from '../telemetry/logger.js';
import type { ContentBlobs } from './content-blobs.js';
import type { ImageLifecycle } from './image-lifecycle.js';

export interface MaintenanceDeps {
  contents: ContentStore;
  maintenance: MaintenanceQueries;
  blobs: BlobStore;
  content: ContentBlobs;
  lifecycle: Pick<ImageLifecycle, 'expire'>;
  /** Images older than this are deleted; 0 = keep forever. */
  retentionMs: number;
  /** How often the periodic sweep also collects garbage (a forced run always does); 0 = only when forced. */
  gcIntervalMs: number;
  /**
   * Blobs of generations without a content row younger than this are never collected: a render in flight writes
   * variants before its row lists them.
   */
  gcGraceMs: number;
  /**
   * A content no image references, acquired longer ago than this, is a reference leaked by an upload cut off by a
   * crash (an upload in flight holds one for the put of its original only); every run reaps it with its blobs.
   */
  referenceGraceMs: number;
  logger: Logger;
  clock?: () => Date;
}

export interface MaintenanceReport {
  /** Images deleted by retention. */
  expired: number;
  /** Contents whose references had leaked (crashes), removed with their blobs. */
  reapedContents: number;
  /** Blobs that belonged to no row, deleted. */
  orphanBlobs: number;
}

/** Blob prefixes the garbage collector walks: the content layout and the one before it. */
const GC_PREFIXES = ['content/', 'originals/', 'variants/'] as const;
/**
 * Every run looks at references leaked this recently (past their grace); older ones are the full collection's, so the
 * frequent run stays a short index range scan however many contents there are.
 */
const RECENT_REFERENCE_WINDOW_MS = 60 * 60 * 1000;
/** Keys looked at per run and prefix; a larger store is finished by the next runs. */
const MAX_KEYS_PER_RUN = 100_000;
const CHECK_BATCH = 500;

/**
 * Retention and garbage collection, run by the sweeper (`SWEEP_INTERVAL_MS`) and by `thumbsmith sweep`.
 * - Retention deletes images older than `retentionMs` exactly like `DELETE /v1/images/{id}` does.
 * - Every run reaps contents whose references leaked recently (no image uses them, untouched for the reference
 *   grace: an upload cut off by a crash), with their blobs.
 * - The collector reaps every such content and deletes blobs no row accounts for: keys of a content generation that
 *   has no row, and keys of the layout before content addressing whose image is gone — each only once older than the
 *   grace period (generations and image ids carry their creation time).
 */
export class Maintenance {
  readonly #deps: MaintenanceDeps;
  #lastCollection = Number.NEGATIVE_INFINITY;
  #collecting = false;

  constructor(deps: MaintenanceDeps) {
    this.#deps = deps;
  }

  /**
   * One pass: retention, references leaked by recent crashes, and, when due (or with `force`), the whole collection.
   */
  async run(options: { force?: boolean } = {}): Promise<MaintenanceReport> {
    const expired = this.#deps.retentionMs > 0 ? await this.#deps.lifecycle.expire(this.#deps.retentionMs) : 0;
    const now = Date.now();
    const due = this.#deps.gcIntervalMs > 0 && now - this.#lastCollection >= this.#deps.gcIntervalMs;
    // A collection still running (a big store, a short interval) is not started twice.
    if ((!options.force && !due) || this.#collecting) {
      const reapedContents = await this.#reapLeakedReferences(RECENT_REFERENCE_WINDOW_MS);
      if (reapedContents > 0) this.#deps.logger.info({ reapedContents }, 'leaked content references reaped');
      return { expired, reapedContents, orphanBlobs: 0 };
    }
    this.#lastCollection = now;
    this.#collecting = true;
    try {
      return { expired, ...(await this.collectGarbage()) };
    } finally {
      this.#collecting = false;
    }
  }

  async collectGarbage(): Promise<Omit<MaintenanceReport, 'expired'>> {
    const cutoff = this.#now().getTime() - this.#deps.gcGraceMs;
    const reapedContents = await this.#reapLeakedReferences();
    let orphanBlobs = 0;
    for (const prefix of GC_PREFIXES) orphanBlobs += await this.#collectPrefix(prefix, cutoff);
    if (reapedContents + orphanBlobs > 0) this.#deps.logger.info({ reapedContents, orphanBlobs }, 'garbage collected');
    return { reapedContents, orphanBlobs };
  }

  /** Reaps contents no image references, acquired before the reference grace (and within `windowMs` of it). */
  async #reapLeakedReferences(windowMs?: number): Promise<number> {
    const before = this.#now().getTime() - this.#deps.referenceGraceMs;
    const since = windowMs === undefined ? undefined : new Date(before - windowMs);
    let reapedContents = 0;
    for (;;) {
      const reaped = await this.#deps.contents.reapUnreferencedContents(new Date(before), CHECK_BATCH, since);
      for (const ref of reaped) await this.#deps.content.deleteContent(ref);
      reapedContents += reaped.length;
      if (reaped.length < CHECK_BATCH) return reapedContents;
    }
  }

  async #collectPrefix(prefix: string, cutoff: number): Promise<number> {
    // Listed first, deleted after: no store is asked to delete under a listing in progress.
    const keys: string[] = [];
    for await (const key of this.#deps.blobs.list(prefix)) {
      keys.push(key);
      if (keys.length >= MAX_KEYS_PER_RUN) break;
    }
    let deleted = 0;
    for (let start = 0; start < keys.length; start += CHECK_BATCH) {
      const batch = keys.slice(start, start + CHECK_BATCH);
      for (const key of await this.#orphans(batch, cutoff)) {
        await this.#deps.blobs.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }

  async #orphans(keys: readonly string[], cutoff: number): Promise<string[]> {
    const generations = new Map<string, string>();
    const legacyIds = new Map<string, string>();
    for (const key of keys) {
      const content = parseContentKey(key);
      if (content) {
        if (contentGenerationTime(content.generation) < cutoff) generations.set(key, content.generation);
        continue;
      }
      const id = parseLegacyKey(key);
      if (id !== undefined && imageIdTime(id) < cutoff) legacyIds.set(key, id);
    }
    const liveGenerations = await this.#deps.contents.existingContentGenerations([...new Set(generations.values())]);
    const liveIds = await this.#deps.maintenance.existingImageIds([...new Set(legacyIds.values())]);
    return [
      ...[...generations].filter(([, generation]) => !liveGenerations.has(generation)).map(([key]) => key),
      ...[...legacyIds].filter(([, id]) => !liveIds.has(id)).map(([key]) => key),
    ];
  }

  #now(): Date {
    return this.#deps.clock?.() ?? new Date();
  }
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** Creation time of an image id: its first 48 bits are epoch milliseconds (domain/ids.ts). */
export function imageIdTime(id: string): number {
  let value = 0n;
  for (const char of id.slice(4, 14)) value = value * 32n + BigInt(CROCKFORD.indexOf(char));
  return Number(value >> 2n);
}
