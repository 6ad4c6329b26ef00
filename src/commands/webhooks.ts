import { parseCommandArgs, UsageError } from '../cli-args.js';
import { isTenantName } from '../domain/api-keys.js';
import {
  DEFAULT_ROTATION_GRACE_SECONDS,
  generateWebhookSecret,
  isWebhookSecretId,
  MAX_ROTATION_GRACE_SECONDS,
  newWebhookSecretId,
  parseGraceSeconds,
} from '../domain/webhook-secrets.js';
import type { WebhookSecretRecord, WebhookSecretStore } from '../ports/webhook-secret-store.js';
import { type Command, type Context, EXIT } from './command.js';
import { printTable, withDatabase } from './database.js';

export const WEBHOOKS_USAGE = `Webhook secrets (talk to the configured database directly; a tenant's secrets sign its images' callback_url
deliveries, WEBHOOK_SECRET signs WEBHOOK_URL and the callbacks of tenants without one):
  webhooks secret create --tenant NAME
            the tenant's first signing secret (whsec_…); printed once, stored for the signer
  webhooks secret rotate --tenant NAME [--grace 24h]
            a new secret; the current ones keep signing beside it for the grace (s, m, h or d, at most 30d;
            0s = stop at once): deliveries carry both signatures until then
  webhooks secret list [--tenant NAME]
            the secrets (id, tenant, created, state; never the secret itself)
  webhooks secret revoke ID --tenant NAME
            stop signing with one secret at once`;

/** A parsed `thumbsmith webhooks secret …` command line. */
export type WebhooksCommand =
  | { sub: 'create'; tenant: string }
  | { sub: 'rotate'; tenant: string; graceSeconds: number }
  | { sub: 'list'; tenant: string | undefined }
  | { sub: 'revoke'; tenant: string; id: string };

const TENANT_OPTION = { tenant: { type: 'string' } } as const;
const TENANT_RULE = 'lower-case letters, digits, "-" and "_", at most 64 characters';

/** Parses `webhooks …` strictly, before any configuration or database is opened; a UsageError when it does not fit. */
export function parseWebhooksArgs(args: readonly string[]): WebhooksCommand | 'help' {
  const [noun, sub, ...rest] = args;
  if (noun === '--help' || noun === '-h' || noun === 'help') return 'help';
  if (noun !== 'secret') {
    throw new UsageError(
      noun === undefined ? 'webhooks needs: secret create|rotate|list|revoke' : `unknown webhooks command "${noun}"`,
    );
  }
  if (sub === '--help' || sub === '-h' || sub === 'help') return 'help';
  if (sub === undefined) throw new UsageError('webhooks secret needs create, rotate, list or revoke');
  if (sub === 'list') {
    const { values } = parseCommandArgs(rest, TENANT_OPTION);
    if (values.help) return 'help';
    return { sub, tenant: values.tenant === undefined ? undefined : tenantOf(values.tenant) };
  }
  if (sub === 'create') {
    const { values } = parseCommandArgs(rest, TENANT_OPTION);
    return values.help ? 'help' : { sub, tenant: tenantOf(values.tenant) };
  }
  if (sub === 'rotate') {
    const { values } = parseCommandArgs(rest, { ...TENANT_OPTION, grace: { type: 'string' } });
    if (values.help) return 'help';
    const graceSeconds =
      values.grace === undefined ? DEFAULT_ROTATION_GRACE_SECONDS : parseGraceSeconds(values.grace.trim());
    if (graceSeconds === undefined) {
      throw new UsageError(
        `--grace: a whole number with a unit s, m, h or d (90s, 30m, 24h, 7d), at most ${MAX_ROTATION_GRACE_SECONDS / 86_400}d`,
      );
    }
    return { sub, tenant: tenantOf(values.tenant), graceSeconds };
  }
  if (sub === 'revoke') {
    const { values, positionals } = parseCommandArgs(rest, TENANT_OPTION, 1);
    if (values.help) return 'help';
    const id = positionals[0];
    if (id === undefined || !isWebhookSecretId(id)) {
      throw new UsageError(
        'webhooks secret revoke needs the secret id, whs_ and 12 hex digits (see webhooks secret list)',
      );
    }
    return { sub, tenant: tenantOf(values.tenant), id };
  }
  throw new UsageError(`unknown webhooks secret command "${sub}" (create, rotate, list or revoke)`);
}

function tenantOf(tenant: string | undefined): string {
  if (tenant === undefined || !isTenantName(tenant)) throw new UsageError(`--tenant NAME is required: ${TENANT_RULE}`);
  return tenant;
}

/** `thumbsmith webhooks …` in the command table. */
export const webhooksCommand: Command = {
  name: 'webhooks',
  synopsis: 'webhooks secret <command>',
  summary: "manage tenants' webhook signing secrets (see below)",
  usage: () => WEBHOOKS_USAGE,
  parse: (args) => {
    const command = parseWebhooksArgs(args);
    return command === 'help' ? 'help' : { run: (context) => runWebhooksCommand(context, command) };
  },
};

/** Runs a parsed `thumbsmith webhooks secret …` on the configured database; returns the exit code. */
export function runWebhooksCommand(context: Context, command: WebhooksCommand): Promise<number> {
  return withDatabase(context, ({ webhookSecrets }) => {
    const now = new Date();
    switch (command.sub) {
      case 'create':
        return createSecret(webhookSecrets, command.tenant, now);
      case 'rotate':
        return rotateSecret(webhookSecrets, command.tenant, new Date(now.getTime() + command.graceSeconds * 1000), now);
      case 'list':
        return listSecrets(webhookSecrets, command.tenant, now);
      case 'revoke':
        return revokeSecret(webhookSecrets, command.tenant, command.id, now);
    }
  });
}

async function createSecret(store: WebhookSecretStore, tenant: string, now: Date): Promise<number> {
  const current = await store.signing(tenant, now);
  if (current.length > 0) {
    process.stderr.write(
      `tenant ${tenant} already has a webhook secret (${ids(current)}); use "webhooks secret rotate --tenant ${tenant}"\n`,
    );
    return EXIT.failed;
  }
  await addAndShow(store, tenant, now);
  return EXIT.ok;
}

async function rotateSecret(store: WebhookSecretStore, tenant: string, retireAt: Date, now: Date): Promise<number> {
  const current = await store.signing(tenant, now);
  if (current.length === 0) {
    process.stderr.write(
      `tenant ${tenant} has no webhook secret to rotate; use "webhooks secret create --tenant ${tenant}"\n`,
    );
    return EXIT.failed;
  }
  await addAndShow(store, tenant, now, retireAt);
  process.stdout.write(
    retireAt > now
      ? `${ids(current)} keep${current.length === 1 ? 's' : ''} signing until ${retireAt.toISOString()}: until then every delivery carries both signatures.\n`
      : `${ids(current)} stopped signing now.\n`,
  );
  return EXIT.ok;
}

async function addAndShow(store: WebhookSecretStore, tenant: string, now: Date, retireOthersAt?: Date): Promise<void> {
  const added = await store.add(
    { id: newWebhookSecretId(), tenant, secret: generateWebhookSecret(), createdAt: now },
    retireOthersAt && { retireOthersAt },
  );
  process.stdout.write(
    `${added.secret}\n\nsecret id ${added.id}, tenant ${tenant}\n` +
      "This is the only time the secret is shown: give it to the tenant's webhook receiver now.\n",
  );
}

async function listSecrets(store: WebhookSecretStore, tenant: string | undefined, now: Date): Promise<number> {
  const rows = (await store.list(tenant)).map((record) => [
    record.id,
    record.tenant,
    record.createdAt.toISOString(),
    stateOf(record, now),
  ]);
  printTable([['ID', 'TENANT', 'CREATED', 'STATE'], ...rows]);
  return EXIT.ok;
}

function stateOf(record: WebhookSecretRecord, now: Date): string {
  if (record.revokedAt) return `revoked ${record.revokedAt.toISOString()}`;
  if (record.expiresAt === null) return 'signing';
  return record.expiresAt > now
    ? `signing until ${record.expiresAt.toISOString()}`
    : `expired ${record.expiresAt.toISOString()}`;
}

async function revokeSecret(store: WebhookSecretStore, tenant: string, id: string, now: Date): Promise<number> {
  if (await store.revoke(tenant, id, now)) {
    process.stdout.write(`revoked ${id}\n`);
    return EXIT.ok;
  }
  process.stderr.write(`no active webhook secret ${id} of tenant ${tenant}\n`);
  return EXIT.failed;
}

const ids = (records: readonly WebhookSecretRecord[]) => records.map((record) => record.id).join(', ');
