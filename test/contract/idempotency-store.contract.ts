import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../src/ports/idempotency-store.js';

export interface IdempotencyStoreFixture {
  store: IdempotencyStore;
  cleanup(): Promise<void>;
}

/** The IdempotencyStore contract, run on every implementation. */
export function describeIdempotencyStoreContract(name: string, open: () => Promise<IdempotencyStoreFixture>) {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let fixture: IdempotencyStoreFixture;
    beforeEach(async () => {
      fixture = await open();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });
    const at = new Date(1_700_000_000_000);

    it('one claim wins among concurrent ones; the others see it, then its image', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () => fixture.store.claim('acme', 'k1', 'sha-a', at)),
      );
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      for (const r of results.filter((r) => r !== undefined)) expect(r).toEqual({ sha256: 'sha-a', imageId: null });
      await fixture.store.complete('acme', 'k1', 'img_1');
      expect(await fixture.store.claim('acme', 'k1', 'sha-b', at)).toEqual({ sha256: 'sha-a', imageId: 'img_1' });
    });

    it('keys are per tenant, and a released key can be claimed again', async () => {
      expect(await fixture.store.claim('acme', 'k', 'sha-a', at)).toBeUndefined();
      expect(await fixture.store.claim('beta', 'k', 'sha-b', at)).toBeUndefined();
      await fixture.store.release('acme', 'k');
      expect(await fixture.store.claim('acme', 'k', 'sha-c', at)).toBeUndefined();
      expect(await fixture.store.claim('beta', 'k', 'sha-c', at)).toEqual({ sha256: 'sha-b', imageId: null });
    });
  });
}
