import type { ContentRef } from '../domain/content-keys.js';
import type { ImageRecord } from '../domain/image.js';

/**
 * Content references: identical bytes uploaded by one tenant share one original and one set of rendered variants, and
 * every image row holds exactly one reference on its content. The last release tells the caller to delete the blobs.
 */
export interface ContentStore {
  /**
   * Takes one reference on the tenant's content with this SHA-256, atomically: increments the live content's count and
   * returns it (`created: false`), or, when the tenant has none, creates it with `candidate`'s generation and key and
   * one reference (`created: true`). `candidate.generation` must be new for each call (it is how `created` is told
   * apart). Every image row holds exactly one reference, taken before the row is inserted.
   */
  acquireContent(candidate: ContentRef, at: Date): Promise<{ content: ContentRef; created: boolean }>;

  /**
   * Drops one reference. Resolves `true` when that was the last one: the content's row is then gone (a later acquire
   * makes a new generation) and the caller deletes its blobs; `false` otherwise, also when the content is unknown.
   */
  releaseContent(content: ContentRef, at: Date): Promise<boolean>;

  /** The tenant's images whose original is `content.originalKey` (same bytes, same generation), newest first. */
  listByContent(content: ContentRef, limit: number): Promise<ImageRecord[]>;

  /**
   * System-wide. Removes contents that no image references any more and that nobody acquired since `before` (references
   * leaked by a crash between acquiring and inserting, or between deleting a row and releasing), and returns them so
   * that their blobs can be deleted. With `since`, only contents last acquired at or after it are looked at (a cheap
   * pass over recent ones).
   */
  reapUnreferencedContents(before: Date, limit: number, since?: Date): Promise<ContentRef[]>;

  /** System-wide. The subset of `generations` that belong to a live content. */
  existingContentGenerations(generations: readonly string[]): Promise<Set<string>>;
}
