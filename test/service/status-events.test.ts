import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import { openSqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { createSqliteMetadataStore } from '../../src/adapters/sqlite/sqlite-metadata-store.js';
import type { ImageRecord } from '../../src/domain/image.js';
import { NotifyingImageStore, type StatusObserver } from '../../src/service/status-events.js';
import { at, contentVariants, imageOfContent, PERMANENT } from '../contract/metadata-fixtures.js';

/** Every observer call, as `kind:status`, in order. */
class RecordingObserver implements StatusObserver {
  readonly calls: string[] = [];
  async changed(image: ImageRecord) {
    this.calls.push(`changed:${image.status}`);
  }
  async updated(image: ImageRecord) {
    this.calls.push(`updated:${image.status}`);
  }
  async deleted(image: ImageRecord) {
    this.calls.push(`deleted:${image.status}`);
  }
  async redelivered(image: ImageRecord) {
    this.calls.push(`redelivered:${image.status}`);
  }
}

// The real embedded store under the decorator: the rule under test is about what the store returns.
describe('NotifyingImageStore', () => {
  let dir: string;
  let database: Database.Database;
  let stores: OpenMetadataStores;
  let observer: RecordingObserver;
  let images: NotifyingImageStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-status-events-'));
    database = openSqliteDatabase(join(dir, 'thumbsmith.db'));
    stores = await createSqliteMetadataStore(database);
    observer = new RecordingObserver();
    images = new NotifyingImageStore(stores.images, observer);
  });
  afterEach(async () => {
    await stores.close();
    database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('announces each committed transition once, and none that changed nothing', async () => {
    const image = await images.createImage(imageOfContent());
    await images.markProcessing(image.id, 1, at(10));
    await images.markRetrying(image.id, PERMANENT, at(20));
    await images.markDone(image.id, contentVariants('one'), at(30));
    // Finished: these return the row unchanged (an older updatedAt), so nothing is announced.
    await images.markDone(image.id, contentVariants('two'), at(40));
    await images.markFailed(image.id, PERMANENT, at(50));
    expect(observer.calls).toStrictEqual(['changed:queued', 'changed:processing', 'changed:queued', 'changed:done']);
  });

  it('a render job delivered again for a finished row is reported as redelivered, not as a change', async () => {
    const image = await images.createImage(imageOfContent());
    await images.markFailed(image.id, PERMANENT, at(10));
    observer.calls.length = 0;
    expect((await images.markProcessing(image.id, 2, at(20)))?.status).toBe('failed');
    expect(observer.calls).toStrictEqual(['redelivered:failed']);
  });

  it('retry, variant swaps and deletion announce only what they did; reads and unknown ids announce nothing', async () => {
    const image = await images.createImage(imageOfContent());
    observer.calls.length = 0;
    expect(await images.requeueFailed(image.tenant, image.id, at(10))).toMatchObject({ requeued: false });
    await images.markFailed(image.id, PERMANENT, at(20));
    expect(await images.requeueFailed(image.tenant, image.id, at(30))).toMatchObject({ requeued: true });
    await images.markDone(image.id, contentVariants('one'), at(40));
    expect(await images.replaceVariants(image.tenant, image.id, [], contentVariants('two'), at(50))).toBeUndefined();
    await images.replaceVariants(image.tenant, image.id, contentVariants('one'), contentVariants('two'), at(60));
    await images.getImage(image.id);
    await images.listImages(image.tenant, { limit: 10 });
    expect(await images.markDone('img_unknown', [], at(70))).toBeUndefined();
    await images.deleteImage(image.tenant, image.id);
    expect(await images.deleteImage(image.tenant, image.id)).toBeUndefined();
    expect(observer.calls).toStrictEqual([
      'changed:failed',
      'changed:queued',
      'changed:done',
      'updated:done',
      'deleted:done',
    ]);
  });
});
