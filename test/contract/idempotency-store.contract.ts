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
    const fresh = new Date(at.getTime() - 60_000);

    it('one claim wins among concurrent ones; the others see it, then its image', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () => fixture.store.claim('acme', 'k1', 'sha-a', at, fresh)),
      );
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      for (const r of results.filter((r) => r !== undefined)) expect(r).toEqual({ sha256: 'sha-a', imageId: null });
      await fixture.store.complete('acme', 'k1', 'img_1');
      expect(await fixture.store.claim('acme', 'k1', 'sha-b', at, fresh)).toEqual({
        sha256: 'sha-a',
        imageId: 'img_1',
      });
    });

    it('keys are per tenant, and a released key can be claimed again', async () => {
      expect(await fixture.store.claim('acme', 'k', 'sha-a', at, fresh)).toBeUndefined();
      expect(await fixture.store.claim('beta', 'k', 'sha-b', at, fresh)).toBeUndefined();
      await fixture.store.release('acme', 'k');
      expect(await fixture.store.claim('acme', 'k', 'sha-c', at, fresh)).toBeUndefined();
      expect(await fixture.store.claim('beta', 'k', 'sha-c', at, fresh)).toEqual({ sha256: 'sha-b', imageId: null });
    });

    it("takes over a dead request's pending claim once it is stale, one taker only, and keeps the first image", async () => {
      expect(await fixture.store.claim('acme', 'k', 'sha-a', at, fresh)).toBeUndefined();
      // Not stale yet: the claim is someone else's.
      const later = new Date(at.getTime() + 30_000);
      expect(await fixture.store.claim('acme', 'k', 'sha-b', later, at)).toEqual({ sha256: 'sha-a', imageId: null });
      // Stale: of concurrent retries exactly one takes it over, with its own file.
      const much = new Date(at.getTime() + 600_000);
      const takers = await Promise.all(
        Array.from({ length: 5 }, () =>
          fixture.store.claim('acme', 'k', 'sha-b', much, new Date(much.getTime() - 60_000)),
        ),
      );
      expect(takers.filter((r) => r === undefined)).toHaveLength(1);
      await fixture.store.complete('acme', 'k', 'img_new');
      // The dead request's late completion does not replace the image the key now answers.
      await fixture.store.complete('acme', 'k', 'img_old');
      expect(await fixture.store.claim('acme', 'k', 'sha-b', much, much)).toEqual({
        sha256: 'sha-b',
        imageId: 'img_new',
      });
    });
  });
}
