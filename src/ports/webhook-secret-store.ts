/**
 * One webhook signing secret of a tenant. The secret itself is stored: it is a shared HMAC key the signer needs in
 * full at every delivery, not a password that could be kept as a hash.
 */
export interface WebhookSecretRecord {
  /** Public id (`whs_…`): safe to list and log. */
  readonly id: string;
  readonly tenant: string;
  /** `whsec_<base64>`. */
  readonly secret: string;
  readonly createdAt: Date;
  /** When a rotation retired it: it signs until then. `null`: until revoked. */
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export type NewWebhookSecret = Pick<WebhookSecretRecord, 'id' | 'tenant' | 'secret' | 'createdAt'>;

/** Where tenants' webhook secrets live (the metadata database, table `webhook_secrets`). */
export interface WebhookSecretStore {
  /**
   * Stores a new secret (its id must be new); it signs until revoked. With `retireOthersAt` (a rotation), every other
   * secret of the tenant that would still sign at that moment stops signing then instead.
   */
  add(secret: NewWebhookSecret, options?: { retireOthersAt?: Date }): Promise<WebhookSecretRecord>;
  /** The tenant's secrets (every tenant's when omitted), oldest first, expired and revoked ones included. */
  list(tenant?: string): Promise<WebhookSecretRecord[]>;
  /** The secrets that sign the tenant's deliveries at `at` (not revoked, not expired), newest first. */
  signing(tenant: string, at: Date): Promise<WebhookSecretRecord[]>;
  /** Revokes one secret of the tenant at once; false when it is unknown, of another tenant or already revoked. */
  revoke(tenant: string, id: string, at: Date): Promise<boolean>;
}
