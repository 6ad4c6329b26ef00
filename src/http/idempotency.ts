import { ThumbsmithError } from '../domain/errors.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header, validated; `undefined` when absent (the use case: service/idempotent-submit.ts). */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new ThumbsmithError('TS_VALIDATION', 'Idempotency-Key: 1 to 255 printable ASCII characters, no spaces.');
  }
  return header;
}
