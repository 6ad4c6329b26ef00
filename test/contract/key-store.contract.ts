import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueKey } from '../../src/domain/api-keys.js';
import type { KeyStore } from '../../src/ports/key-store.js';

export interface KeyStoreFixture {
  store: KeyStore;
  cleanup(): Promise<void>;
}

/** The KeyStore contract, run on every implementation. */
export function describeKeyStoreContract(name: string, open: () => Promise<KeyStoreFixture>) {
  describe(`KeyStore contract: ${name}`, () => {
    let fixture: KeyStoreFixture;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const newKey = (tenant: string, at = new Date(1_700_000_000_000)) => {
      const issued = issueKey();
      return {
        issued,
        record: {
          id: issued.id,
          tenant,
          name: 'ci',
          scopes: ['upload', 'read'] as const,
          hash: issued.hash,
          createdAt: at,
        },
      };
    };

    it('starts empty: no key, so no key is active', async () => {
      expect(await fixture.store.list()).toEqual([]);
      expect(await fixture.store.anyActive()).toBe(false);
    });

    it('stores the hash, not the key, and reads it back by id', async () => {
      const { issued, record } = newKey('acme');
      await fixture.store.create(record);
      const got = await fixture.store.get(issued.id);
      expect(got).toEqual({ ...record, scopes: ['upload', 'read'], revokedAt: null, lastUsedAt: null });
      expect(JSON.stringify(got)).not.toContain(issued.key);
      expect(await fixture.store.get('zzzzzzzz')).toBeUndefined();
      expect(await fixture.store.anyActive()).toBe(true);
    });

    it('rejects a second key with the same id', async () => {
      const { record } = newKey('acme');
      await fixture.store.create(record);
      await expect(fixture.store.create({ ...record, tenant: 'other' })).rejects.toThrow();
      expect((await fixture.store.get(record.id))?.tenant).toBe('acme');
    });

    it('revokes once; a revoked key is listed but no longer active', async () => {
      const { record } = newKey('acme');
      await fixture.store.create(record);
      const at = new Date(1_700_000_100_000);
      expect(await fixture.store.revoke(record.id, at)).toBe(true);
      expect(await fixture.store.revoke(record.id, new Date())).toBe(false);
      expect(await fixture.store.revoke('unknown0', new Date())).toBe(false);
      expect((await fixture.store.get(record.id))?.revokedAt).toEqual(at);
      expect(await fixture.store.anyActive()).toBe(false);
      expect((await fixture.store.list()).map((k) => k.id)).toEqual([record.id]);
    });

    it('lists oldest first and records the last use', async () => {
      const a = newKey('acme', new Date(1_700_000_000_000));
      const b = newKey('beta', new Date(1_700_000_000_500));
      await fixture.store.create(b.record);
      await fixture.store.create(a.record);
      const used = new Date(1_700_000_200_000);
      await fixture.store.touch(b.record.id, used);
      const list = await fixture.store.list();
      expect(list.map((k) => k.tenant)).toEqual(['acme', 'beta']);
      expect(list[1]?.lastUsedAt).toEqual(used);
      expect(list[0]?.lastUsedAt).toBeNull();
    });
  });
}
