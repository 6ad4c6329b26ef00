import { setTimeout as sleep } from 'node:timers/promises';
import { ThumbsmithError } from '../domain/errors.js';
import type { ImageRecord } from '../domain/image.js';
import type { IdempotencyStore } from '../ports/idempotency-store.js';

/** How long a twin waits for the first request to create its image before answering 409 (retryable). */
const WAIT_MS = 30_000;
/**
 * A claim pending this long belongs to a request whose process died before it could complete or release it (a crash,
 * SIGKILL): a retry takes it over instead of answering 409 forever. The claimed request's file is already spooled,
 * so what it still does (probe in a child, store the original, write the row) ends within a minute or fails.
 */
const CLAIM_STALE_MS = 2 * 60_000;
const POLL_MS = 50;

/** One upload under an `Idempotency-Key`: whose, which key, and the SHA-256 of what was sent. */
export interface IdempotentRequest {
  readonly tenant: string;
  readonly key: string;
  readonly sha256: string;
}

/** Uploads that carry an `Idempotency-Key`: a retried upload never creates a second image. */
export class IdempotentSubmitter {
  readonly #store: IdempotencyStore;

  constructor(store: IdempotencyStore) {
    this.#store = store;
  }

  /**
   * Runs `submit` at most once per (tenant, key): the first request claims the key and creates the image; a twin (a
   * retry, or a request racing it) with the same file gets that image, with a different file `422`. The twin's
   * spooled file is removed by its caller as usual.
   */
  async submitOnce(
    request: IdempotentRequest,
    submit: () => Promise<ImageRecord>,
    read: (id: string) => Promise<ImageRecord>,
  ): Promise<ImageRecord> {
    const { tenant, key, sha256 } = request;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const now = Date.now();
      const claim = await this.#store.claim(tenant, key, sha256, new Date(now), new Date(now - CLAIM_STALE_MS));
      if (claim === undefined) return this.#submitClaimed(request, submit);
      if (claim.sha256 !== sha256) {
        throw new ThumbsmithError(
          'TS_IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was first used with a different file; use a new key for a new upload.',
        );
      }
      if (claim.imageId !== null) return read(claim.imageId);
      if (Date.now() > deadline) {
        throw new ThumbsmithError('TS_IDEMPOTENCY_IN_PROGRESS', undefined, { extensions: { retryAfterSeconds: 1 } });
      }
      await sleep(POLL_MS);
    }
  }

  /** This request holds the key: create the image and record it, or give the key up so a retry may claim it. */
  async #submitClaimed(request: IdempotentRequest, submit: () => Promise<ImageRecord>): Promise<ImageRecord> {
    let image: ImageRecord;
    try {
      image = await submit();
    } catch (error) {
      await this.#store.release(request.tenant, request.key);
      throw error;
    }
    await this.#store.complete(request.tenant, request.key, image.id);
    return image;
  }
}
