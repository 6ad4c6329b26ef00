import { setTimeout as sleep } from 'node:timers/promises';
import { ThumbsmithError } from '../domain/errors.js';
import type { ImageRecord } from '../domain/image.js';
import type { IdempotencyStore } from '../ports/idempotency-store.js';

const KEY = /^[\x21-\x7e]{1,255}$/;
/** How long a twin waits for the first request to create its image before answering 409 (retryable). */
const WAIT_MS = 30_000;
const POLL_MS = 50;

/** The `Idempotency-Key` header, validated; `undefined` when absent. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new ThumbsmithError('TS_VALIDATION', 'Idempotency-Key: 1 to 255 printable ASCII characters, no spaces.');
  }
  return header;
}

/**
 * Runs `submit` at most once per (tenant, key): the first request claims the key and creates the image; a twin (a
 * retry, or a request racing it) with the same file gets that image, with a different file `422`. The twin's
 * spooled file is removed by its caller as usual.
 */
export async function submitOnce(
  store: IdempotencyStore,
  request: { tenant: string; key: string; sha256: string },
  submit: () => Promise<ImageRecord>,
  read: (id: string) => Promise<ImageRecord>,
): Promise<ImageRecord> {
  const { tenant, key, sha256 } = request;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const claim = await store.claim(tenant, key, sha256, new Date());
    if (claim === undefined) {
      let image: ImageRecord;
      try {
        image = await submit();
      } catch (error) {
        await store.release(tenant, key);
        throw error;
      }
      await store.complete(tenant, key, image.id);
      return image;
    }
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
