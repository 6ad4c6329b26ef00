import { variantPrefix } from '../domain/blob-keys.js';
import {
  type ContentRef,
  contentOriginalKey,
  contentPrefix,
  newContentGeneration,
  parseContentKey,
} from '../domain/content-keys.js';
import type { ImageRecord, Variant } from '../domain/image.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ContentStore } from '../ports/content-store.js';
import type { Logger } from '../telemetry/logger.js';

export interface ContentBlobsDeps {
  contents: ContentStore;
  blobs: BlobStore;
  logger: Logger;
  clock?: () => Date;
}

/** Images of one content looked at before deleting a shared variant blob; a content rarely has more. */
const SIBLING_LIMIT = 1000;

/**
 * Content-addressed, reference-counted storage of originals and variants (see domain/content-keys.ts).
 *
 * Why deletion is safe under concurrency: every image row holds one reference on its content, taken (an atomic
 * upsert) before the row is inserted and dropped after the row is deleted. Blobs are deleted only by whoever drops
 * the last reference, and only after the content's row is gone; an upload that comes later cannot take a reference
 * on the gone row, it makes a new generation, i.e. a new key prefix, so a deletion in progress never removes a blob
 * that a live image needs. Crash leftovers (a reference never dropped, blobs never deleted) are found by the
 * garbage collector (service/retention.ts).
 */
export class ContentBlobs {
  readonly #deps: ContentBlobsDeps;

  constructor(deps: ContentBlobsDeps) {
    this.#deps = deps;
  }

  /**
   * Takes a reference on the tenant's content with these bytes, storing the original unless it is already stored:
   * the first upload of some bytes puts them, later ones reuse them. On failure the reference is dropped again.
   * `file` is the upload's spool file, which nobody writes to again: a local store links it rather than copying it.
   */
  async acquire(tenant: string, sha256: string, file: { path: string }): Promise<ContentRef> {
    const now = this.#now();
    const generation = newContentGeneration(now.getTime());
    const candidate: ContentRef = { tenant, sha256, generation, originalKey: contentOriginalKey(sha256, generation) };
    const { content, created } = await this.#deps.contents.acquireContent(candidate, now);
    try {
      // A concurrent first upload may still be writing it: then both write the same bytes (puts are atomic).
      if (created || (await this.#deps.blobs.stat(content.originalKey)) === undefined) {
        const source = { path: file.path, frozen: true };
        await this.#deps.blobs.put(content.originalKey, source, { contentType: 'application/octet-stream' });
      }
    } catch (error) {
      await this.release(content).catch((releaseError: unknown) => {
        this.#deps.logger.error({ err: releaseError, key: content.originalKey }, 'could not release a content');
      });
      throw error;
    }
    return content;
  }

  /** Drops one reference; the last one deletes every blob of the content. */
  async release(content: ContentRef): Promise<void> {
    if (await this.#deps.contents.releaseContent(content, this.#now())) await this.deleteContent(content);
  }

  /**
   * Frees what a deleted image row held: its reference on the content (and so, when it was the last, every blob of
   * the content), or, for an image stored before content addressing, its own original and variants.
   */
  async releaseImage(image: ImageRecord): Promise<void> {
    const content = contentOf(image);
    if (content) {
      await this.release(content);
      return;
    }
    // An upload by URL deleted before its fetch holds nothing: no original, no variants.
    if (image.original === null) return;
    await this.#deleteKeys([image.original.key, ...image.variants.map((v) => v.key)]);
    await this.#deletePrefix(variantPrefix(image.id));
  }

  /** Deletes every blob under the content's prefix (its row is already gone). */
  async deleteContent(content: Pick<ContentRef, 'sha256' | 'generation'>): Promise<void> {
    await this.#deletePrefix(contentPrefix(content.sha256, content.generation));
  }

  /**
   * A job rendered `variants` for an image whose row was deleted meanwhile: removes what nobody else can use. When
   * the content itself is gone, that is its whole prefix (the deleter may have listed it before these were written).
   * While other images share the content, only keys none of them references, and only if none of them is still
   * rendering (it may be writing the same keys).
   */
  async discardOrphanedVariants(image: ImageRecord, variants: readonly Variant[]): Promise<void> {
    const content = contentOf(image);
    if (!content) {
      await this.#deleteKeys(variants.map((v) => v.key));
      await this.#deletePrefix(variantPrefix(image.id));
      return;
    }
    const live = await this.#deps.contents.existingContentGenerations([content.generation]);
    if (!live.has(content.generation)) {
      await this.deleteContent(content);
      return;
    }
    const siblings = await this.#deps.contents.listByContent(content, SIBLING_LIMIT);
    if (siblings.some((sibling) => sibling.status === 'queued' || sibling.status === 'processing')) return;
    await this.#deleteUnreferenced(
      siblings,
      variants.map((v) => v.key),
    );
  }

  /**
   * After `image`'s variants were replaced (a preset changed): deletes the replaced blobs that no image of the same
   * content still lists. Legacy images own their variants alone.
   */
  async discardReplacedVariants(image: ImageRecord, replaced: readonly Variant[]): Promise<void> {
    const keys = replaced.map((v) => v.key).filter((key) => !image.variants.some((v) => v.key === key));
    if (keys.length === 0) return;
    const content = contentOf(image);
    if (!content) {
      await this.#deleteKeys(keys);
      return;
    }
    await this.#deleteUnreferenced(await this.#deps.contents.listByContent(content, SIBLING_LIMIT), keys);
  }

  async #deleteUnreferenced(images: readonly ImageRecord[], keys: readonly string[]): Promise<void> {
    const referenced = new Set(images.flatMap((image) => image.variants.map((v) => v.key)));
    await this.#deleteKeys(keys.filter((key) => !referenced.has(key)));
  }

  async #deletePrefix(prefix: string): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.#deps.blobs.list(prefix)) keys.push(key);
    await this.#deleteKeys(keys);
  }

  async #deleteKeys(keys: readonly string[]): Promise<void> {
    for (const key of new Set(keys)) await this.#deps.blobs.delete(key);
  }

  #now(): Date {
    return this.#deps.clock?.() ?? new Date();
  }
}

/**
 * The content an image references, or `undefined` for an image stored before content addressing and for an upload by
 * URL not fetched yet.
 */
export function contentOf(image: ImageRecord): ContentRef | undefined {
  if (image.original === null) return undefined;
  const { key } = image.original;
  const parsed = parseContentKey(key);
  if (!parsed || key !== contentOriginalKey(parsed.sha256, parsed.generation)) return undefined;
  return { tenant: image.tenant, sha256: parsed.sha256, generation: parsed.generation, originalKey: key };
}
