import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateWebhookSecret, newWebhookSecretId } from '../../src/domain/webhook-secrets.js';
import type { WebhookSecretStore } from '../../src/ports/webhook-secret-store.js';

export interface WebhookSecretStoreFixture {
  store: WebhookSecretStore;
  cleanup(): Promise<void>;
}

const T0 = new Date(1_700_000_000_000);
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);
const newSecret = (tenant: string, createdAt = T0) => ({
  id: newWebhookSecretId(),
  tenant,
  secret: generateWebhookSecret(),
  createdAt,
});

/** The WebhookSecretStore contract, run on every implementation. */
export function describeWebhookSecretStoreContract(name: string, open: () => Promise<WebhookSecretStoreFixture>) {
  describe(`WebhookSecretStore contract: ${name}`, () => {
    let fixture: WebhookSecretStoreFixture;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });
    const ids = (records: readonly { id: string }[]) => records.map((record) => record.id);

    it('starts empty; a secret added signs its own tenant only, until revoked', async () => {
      expect(await fixture.store.list()).toEqual([]);
      expect(await fixture.store.signing('acme', T0)).toEqual([]);
      const secret = newSecret('acme');
      expect(await fixture.store.add(secret)).toEqual({ ...secret, expiresAt: null, revokedAt: null });
      expect(await fixture.store.signing('acme', at(10 * 365 * 86_400_000))).toEqual([
        { ...secret, expiresAt: null, revokedAt: null },
      ]);
      expect(await fixture.store.signing('beta', T0)).toEqual([]);
      expect(await fixture.store.revoke('beta', secret.id, at(1))).toBe(false);
      expect(await fixture.store.revoke('acme', secret.id, at(1))).toBe(true);
      expect(await fixture.store.revoke('acme', secret.id, at(2))).toBe(false);
      expect(await fixture.store.revoke('acme', 'whs_000000000000', at(2))).toBe(false);
      expect(await fixture.store.signing('acme', at(2))).toEqual([]);
      expect((await fixture.store.list('acme'))[0]?.revokedAt).toEqual(at(1));
    });

    it('rejects a second secret with the same id', async () => {
      const secret = newSecret('acme');
      await fixture.store.add(secret);
      await expect(fixture.store.add({ ...newSecret('beta'), id: secret.id })).rejects.toThrow();
      expect(ids(await fixture.store.list())).toEqual([secret.id]);
    });

    it('a rotation keeps the old secret signing until the end of the grace, then only the new one', async () => {
      const old = await fixture.store.add(newSecret('acme', T0));
      const other = await fixture.store.add(newSecret('beta', at(500)));
      const rotated = await fixture.store.add(newSecret('acme', at(1_000)), { retireOthersAt: at(60_000) });
      expect(ids(await fixture.store.signing('acme', at(1_000)))).toEqual([rotated.id, old.id]);
      expect(ids(await fixture.store.signing('acme', at(59_999)))).toEqual([rotated.id, old.id]);
      expect(ids(await fixture.store.signing('acme', at(60_000)))).toEqual([rotated.id]);
      // Another tenant's secret is untouched.
      expect(ids(await fixture.store.signing('beta', at(120_000)))).toEqual([other.id]);
      const listed = await fixture.store.list('acme');
      expect(ids(listed)).toEqual([old.id, rotated.id]);
      expect(listed[0]?.expiresAt).toEqual(at(60_000));
      expect(listed[1]?.expiresAt).toBeNull();
      expect(ids(await fixture.store.list())).toEqual([old.id, other.id, rotated.id]);
    });

    it('a second rotation never extends a grace already running, and skips revoked secrets', async () => {
      const first = await fixture.store.add(newSecret('acme', T0));
      const second = await fixture.store.add(newSecret('acme', at(1)), { retireOthersAt: at(10_000) });
      // A longer grace for the newest rotation leaves `first` ending at 10 s.
      const third = await fixture.store.add(newSecret('acme', at(2)), { retireOthersAt: at(50_000) });
      const listed = new Map((await fixture.store.list('acme')).map((record) => [record.id, record]));
      expect(listed.get(first.id)?.expiresAt).toEqual(at(10_000));
      expect(listed.get(second.id)?.expiresAt).toEqual(at(50_000));
      expect(ids(await fixture.store.signing('acme', at(20_000)))).toEqual([third.id, second.id]);
      // A rotation with no grace retires the others at once; a revoked secret stays revoked, with no expiry added.
      expect(await fixture.store.revoke('acme', second.id, at(3))).toBe(true);
      const fourth = await fixture.store.add(newSecret('acme', at(4)), { retireOthersAt: at(4) });
      expect(ids(await fixture.store.signing('acme', at(4)))).toEqual([fourth.id]);
      const after = new Map((await fixture.store.list('acme')).map((record) => [record.id, record]));
      expect(after.get(second.id)?.expiresAt).toEqual(at(50_000));
      expect(after.get(third.id)?.expiresAt).toEqual(at(4));
    });

    it('keeps secrets byte for byte and lists every tenant oldest first', async () => {
      const b = await fixture.store.add(newSecret('beta', at(5)));
      const a = await fixture.store.add(newSecret('acme', at(0)));
      const listed = await fixture.store.list();
      expect(ids(listed)).toEqual([a.id, b.id]);
      expect(listed.map((record) => record.secret)).toEqual([a.secret, b.secret]);
    });
  });
}
