import { describe, expect, it } from 'vitest';
import type { OpenMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import type { WorkerHeartbeat } from '../../src/ports/worker-registry.js';
import { at, type MakeMetadataStores, T0, useFreshStores } from './metadata-fixtures.js';

/**
 * The behaviour every WorkerRegistry adapter must show, on a fresh, migrated database per test.
 * Worker heartbeats: record, list, never backwards, remove and prune.
 */
export function describeWorkerRegistryContract(name: string, makeStores: MakeMetadataStores): void {
  describe(`WorkerRegistry contract: ${name}`, () => {
    let stores: OpenMetadataStores;
    useFreshStores(makeStores, (opened) => {
      stores = opened;
    });

    describe('worker heartbeats', () => {
      const beat = (workerId: string, lastSeenOffsetMs: number, active = 0): WorkerHeartbeat => ({
        workerId,
        hostname: 'host-a',
        pid: 4242,
        startedAt: T0,
        lastSeenAt: at(lastSeenOffsetMs),
        active,
        concurrency: 4,
      });

      it('records, updates and lists heartbeats seen since a time, by worker id, with millisecond precision', async () => {
        expect(await stores.workers.listHeartbeats(at(-1))).toStrictEqual([]);
        await stores.workers.recordHeartbeat(beat('w-b', 1_000));
        await stores.workers.recordHeartbeat(beat('w-a', 2_000, 1));
        await stores.workers.recordHeartbeat(beat('w-a', 5_000, 3));
        expect(await stores.workers.listHeartbeats(at(0))).toStrictEqual([beat('w-a', 5_000, 3), beat('w-b', 1_000)]);
        expect(await stores.workers.listHeartbeats(at(1_001))).toStrictEqual([beat('w-a', 5_000, 3)]);
        expect(await stores.workers.listHeartbeats(at(5_000))).toStrictEqual([beat('w-a', 5_000, 3)]);
        expect(await stores.workers.listHeartbeats(at(5_001))).toStrictEqual([]);
      });

      it('never moves a heartbeat backwards (a late write of an older beat)', async () => {
        await stores.workers.recordHeartbeat(beat('w-a', 5_000, 2));
        await stores.workers.recordHeartbeat(beat('w-a', 4_000, 1));
        const [listed] = await stores.workers.listHeartbeats(at(0));
        expect(listed?.lastSeenAt).toStrictEqual(at(5_000));
      });

      it('removes a stopped worker (idempotently) and prunes workers not seen for a day', async () => {
        await stores.workers.recordHeartbeat(beat('w-old', 0));
        await stores.workers.recordHeartbeat(beat('w-a', 1_000));
        await stores.workers.removeHeartbeat('w-a');
        await stores.workers.removeHeartbeat('w-a');
        expect((await stores.workers.listHeartbeats(at(-1))).map((b) => b.workerId)).toStrictEqual(['w-old']);
        await stores.workers.recordHeartbeat(beat('w-new', 24 * 60 * 60 * 1000 + 1));
        expect((await stores.workers.listHeartbeats(at(-1))).map((b) => b.workerId)).toStrictEqual(['w-new']);
      });
    });
  });
}
