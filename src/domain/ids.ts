import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Image ids: `img_` + 26 Crockford base32 characters: 48 bits of milliseconds (so ids sort by creation time,
 * which keyset pagination relies on) and 80 random bits (so ids cannot be guessed).
 */
export function newImageId(now: number = Date.now()): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  randomBytes(10).copy(bytes, 6);
  return `img_${encodeBase32(bytes)}`;
}

export const IMAGE_ID_PATTERN = '^img_[0-9a-hjkmnp-tv-z]{26}$';
const IMAGE_ID_REGEX = new RegExp(IMAGE_ID_PATTERN);

export function isImageId(value: string): boolean {
  return IMAGE_ID_REGEX.test(value);
}

function encodeBase32(bytes: Buffer): string {
  let out = '';
  let value = 0;
  let bits = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}
