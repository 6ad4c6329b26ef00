import type { Kysely, Selectable } from 'kysely';
import type { NewWebhookSecret, WebhookSecretRecord, WebhookSecretStore } from '../../ports/webhook-secret-store.js';
import { toDatabaseError } from './database-errors.js';
import type { MetadataDatabase, WebhookSecretsTable } from './schema.js';

/** The WebhookSecretStore on the metadata database (table `webhook_secrets`, migration 0006); SQLite and PostgreSQL. */
export class KyselyWebhookSecretStore implements WebhookSecretStore {
  readonly #db: Kysely<MetadataDatabase>;

  constructor(db: Kysely<MetadataDatabase>) {
    this.#db = db;
  }

  async add(secret: NewWebhookSecret, options: { retireOthersAt?: Date } = {}): Promise<WebhookSecretRecord> {
    return this.#run('add', async () => {
      // The new secret first, then the others retired: a crash in between leaves both signing (rotate again to
      // retire the old one), never a moment where the tenant has no secret and deliveries fall back to another.
      await this.#db
        .insertInto('webhook_secrets')
        .values({
          id: secret.id,
          tenant: secret.tenant,
          secret: secret.secret,
          created_at: secret.createdAt.getTime(),
          expires_at: null,
          revoked_at: null,
        })
        .execute();
      const retireAt = options.retireOthersAt?.getTime();
      if (retireAt !== undefined) {
        await this.#db
          .updateTable('webhook_secrets')
          .set({ expires_at: retireAt })
          .where('tenant', '=', secret.tenant)
          .where('id', '!=', secret.id)
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', retireAt)]))
          .execute();
      }
      return { ...secret, expiresAt: null, revokedAt: null };
    });
  }

  async list(tenant?: string): Promise<WebhookSecretRecord[]> {
    return this.#run('list', async () => {
      let query = this.#db.selectFrom('webhook_secrets').selectAll();
      if (tenant !== undefined) query = query.where('tenant', '=', tenant);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map(toRecord);
    });
  }

  async signing(tenant: string, at: Date): Promise<WebhookSecretRecord[]> {
    return this.#run('signing', async () => {
      const rows = await this.#db
        .selectFrom('webhook_secrets')
        .selectAll()
        .where('tenant', '=', tenant)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at.getTime())]))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toRecord);
    });
  }

  async revoke(tenant: string, id: string, at: Date): Promise<boolean> {
    return this.#run('revoke', async () => {
      const result = await this.#db
        .updateTable('webhook_secrets')
        .set({ revoked_at: at.getTime() })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  // Driver errors become catalogue errors: an unreachable database is TS_DATABASE_UNAVAILABLE (a delivery retries).
  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toDatabaseError(error, `WebhookSecretStore.${operation}`);
    }
  }
}

const date = (value: number | string | null): Date | null => (value === null ? null : new Date(Number(value)));

function toRecord(row: Selectable<WebhookSecretsTable>): WebhookSecretRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    secret: row.secret,
    createdAt: new Date(Number(row.created_at)),
    expiresAt: date(row.expires_at),
    revokedAt: date(row.revoked_at),
  };
}
