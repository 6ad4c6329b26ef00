import { describe, expect, it } from 'vitest';
import type { OpenMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import { newImageId } from '../../src/domain/ids.js';
import { describeContentStoreContract } from './content-store.contract.js';
import { describeImageStoreContract } from './image-store.contract.js';
import { describeMaintenanceQueriesContract } from './maintenance-queries.contract.js';
import { expectCode, type MakeMetadataStores, useFreshStores } from './metadata-fixtures.js';
import { describeWorkerRegistryContract } from './worker-registry.contract.js';

/**
 * Every metadata port's contract on one adapter, plus what the stores of one database share: one `ping`, one `close`
 * after which every store refuses calls.
 */
export function describeMetadataStoresContract(name: string, makeStores: MakeMetadataStores): void {
  describeImageStoreContract(name, makeStores);
  describeContentStoreContract(name, makeStores);
  describeWorkerRegistryContract(name, makeStores);
  describeMaintenanceQueriesContract(name, makeStores);
  describe(`metadata stores of one database: ${name}`, () => {
    let stores: OpenMetadataStores;
    useFreshStores(makeStores, (opened) => {
      stores = opened;
    });

    describe('ping / close', () => {
      it('ping resolves while open', async () => {
        await expect(stores.ping()).resolves.toBeUndefined();
      });

      it('after close, calls fail with TS_DATABASE_UNAVAILABLE and close is idempotent', async () => {
        await stores.close();
        await expectCode(stores.ping(), 'TS_DATABASE_UNAVAILABLE');
        await expectCode(stores.images.getImage(newImageId()), 'TS_DATABASE_UNAVAILABLE');
        await expect(stores.close()).resolves.toBeUndefined();
      });
    });
  });
}
