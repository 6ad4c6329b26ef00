import type { Kysely } from 'kysely';
import type { OpenContext } from '../../lib/closers.js';
import type { IdempotencyStore } from '../../ports/idempotency-store.js';
import type { KeyStore } from '../../ports/key-store.js';
import type { MetadataStores } from '../../ports/metadata-store.js';
import type { WebhookSecretStore } from '../../ports/webhook-secret-store.js';
import { KyselyIdempotencyStore } from './kysely-idempotency-store.js';
import { KyselyKeyStore } from './kysely-key-store.js';
import type { OpenMetadataStores } from './kysely-metadata-stores.js';
import { KyselyWebhookSecretStore } from './kysely-webhook-secret-store.js';
import type { MetadataDatabase } from './schema.js';

/** Everything the metadata database serves, as both database openers (sqlite/, postgres/) return it. */
export interface DatabasePorts {
  /** Image rows, content references, worker heartbeats and maintenance queries: one port per concern. */
  metadata: MetadataStores;
  /** API keys (migration 0004). */
  keys: KeyStore;
  /** `Idempotency-Key`s of uploads (migration 0004). */
  idempotency: IdempotencyStore;
  /** Tenants' webhook signing secrets (migration 0006). */
  webhookSecrets: WebhookSecretStore;
}

/**
 * The key, idempotency and webhook secret stores beside a migrated metadata store, on the same Kysely instance; registers their
 * closers after the connection's, so they close before it.
 */
export function withSecurityStores(
  metadata: OpenMetadataStores,
  db: Kysely<MetadataDatabase>,
  { closers }: Pick<OpenContext, 'closers'>,
): DatabasePorts {
  const keys = new KyselyKeyStore(db, { ownsDb: true });
  closers.add('keys', () => keys.close());
  closers.add('metadata', () => metadata.close());
  return {
    metadata,
    keys,
    idempotency: new KyselyIdempotencyStore(db),
    webhookSecrets: new KyselyWebhookSecretStore(db),
  };
}
