import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { getImage, uploadOk, waitForFinal } from '../support/http.js';
import { waitFor } from '../support/wait.js';
import { jpeg, tempDataDirs, withService } from './support.js';

const newDataDir = tempDataDirs();

/**
 * A delivery that fails at its very first step, marking the image `processing`: the database refuses the claim (a
 * real SQLite trigger on the service's own file, as a constraint or a full disk would). It must be logged with the
 * image id, leave the image `queued` rather than `processing` for minutes, and be delivered again once the claim works.
 */
describe('a delivery failing at markProcessing', () => {
  it('is logged with its image id, leaves the image queued, and succeeds once the database takes the claim', async () => {
    const dataDir = await newDataDir();
    const env = { JOB_MAX_ATTEMPTS: '20', JOB_BACKOFF_MS: '200', JOB_BACKOFF_MAX_MS: '500' };
    await withService({ dataDir, env }, async (service) => {
      const db = new Database(join(dataDir, 'thumbsmith.db'));
      try {
        db.exec(`create trigger refuse_claim before update of status on images when new.status = 'processing'
                 begin select raise(abort, 'claim refused by the test'); end`);
        const { id } = await uploadOk(service.url, await jpeg(60));
        const logged = await waitFor(
          'the failed delivery to be logged',
          async () =>
            service.logs.find(
              (line) =>
                line.imageId === id &&
                line.msg === 'delivery failed before the image could be claimed; it will be retried',
            ),
          { timeoutMs: 15_000 },
        );
        expect(logged.code).toBe('TS_INTERNAL');
        const waiting = await getImage(service.url, id);
        expect(waiting.status).toBe('queued');
        expect(waiting.error?.code).toBe('TS_INTERNAL');
        // The detail recorded on the row names the operation, not the database's own message.
        expect(waiting.error?.message).not.toContain('claim refused by the test');

        db.exec('drop trigger refuse_claim');
        const done = await waitForFinal(service.url, id, 30_000);
        expect(done.status).toBe('done');
        expect(done.error).toBeNull();
      } finally {
        db.close();
      }
    });
  });
});
