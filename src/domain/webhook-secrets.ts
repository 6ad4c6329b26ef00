import { randomBytes } from 'node:crypto';

/** The Standard Webhooks secret format: `whsec_` and the key in base64. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

// The specification asks for keys of 24 to 64 bytes; new ones get 32.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const NEW_KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A new random secret, `whsec_<base64 of 32 bytes>`. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(NEW_KEY_BYTES).toString('base64')}`;
}

/** Why `secret` is not a usable `whsec_<base64>` secret of 24 to 64 bytes; `undefined` when it is. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return `expected "${WEBHOOK_SECRET_PREFIX}" followed by base64`;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return `expected base64 after "${WEBHOOK_SECRET_PREFIX}"`;
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    return `the key is ${bytes} bytes; expected ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES}`;
  }
  return undefined;
}

/** A public id for a stored secret (`whs_` + 12 hex digits): safe to list, log and pass to `revoke`. */
export function newWebhookSecretId(): string {
  return `whs_${randomBytes(6).toString('hex')}`;
}

const WEBHOOK_SECRET_ID = /^whs_[0-9a-f]{12}$/;

export function isWebhookSecretId(id: string): boolean {
  return WEBHOOK_SECRET_ID.test(id);
}

/** How long a rotated-out secret keeps signing unless `--grace` says otherwise. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
/** Longest grace a rotation may give: past a month, rotation is just keeping two secrets. */
export const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 3600;

const DURATION = /^(\d{1,7})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `90s`, `30m`, `24h`, `7d` (0 allowed: the old secret stops at once) in seconds; `undefined` when malformed. */
export function parseGraceSeconds(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds <= MAX_ROTATION_GRACE_SECONDS ? seconds : undefined;
}
