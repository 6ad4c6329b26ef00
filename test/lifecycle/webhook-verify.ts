import { Webhook } from 'standardwebhooks';
import type { ReceivedWebhook } from './support.js';

/** The delivery's headers as the `standardwebhooks` library wants them (one string per name). */
export function headersOf(delivery: ReceivedWebhook): Record<string, string> {
  return Object.fromEntries(
    Object.entries(delivery.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : `${value}`,
    ]),
  );
}

/**
 * Whether `secret` verifies the delivery as a receiver would: the specification's own library, `Webhook.verify`, on
 * the raw body and headers (its timestamp tolerance included). `overrides` tamper with what the receiver got.
 */
export function verifies(
  secret: string,
  delivery: ReceivedWebhook,
  overrides: { body?: string; headers?: Record<string, string> } = {},
): boolean {
  try {
    new Webhook(secret).verify(overrides.body ?? delivery.body, { ...headersOf(delivery), ...overrides.headers });
    return true;
  } catch {
    return false;
  }
}

/** The `v1,<base64>` entries of the delivery's `webhook-signature`. */
export function signaturesOf(delivery: ReceivedWebhook): string[] {
  const header = delivery.headers['webhook-signature'];
  return typeof header === 'string' ? header.split(' ') : [];
}
