import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteQueuePrefix } from '../support/queue-fixtures.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/topology.js';

const LIMIT = 10;
const REQUESTS = 3 * LIMIT;

/**
 * Two real `thumbsmith api` processes on one PostgreSQL and one Redis queue: with the queue on Redis the rate limits
 * are counted there by default, so requests spread over both processes are limited at the one shared total, not at
 * twice it (which is what two per-process counts would allow).
 */
describe.runIf(adapterEnabled('postgres') && adapterEnabled('bullmq'))(
  'rate limits shared by two API processes',
  () => {
    let scratch: ScratchDatabase;
    const apis: ServiceProcess[] = [];
    const queuePrefix = `tstopo:${randomBytes(6).toString('hex')}`;

    beforeAll(async () => {
      scratch = await createScratchDatabase();
      const env = {
        DATABASE_URL: scratch.url,
        QUEUE_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: queuePrefix,
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
      };
      // One after the other: the first applies the migrations.
      apis.push(await startService({ command: 'api', env }));
      apis.push(await startService({ command: 'api', env }));
    }, 120_000);

    afterAll(async () => {
      for (const api of apis) {
        await api.stop();
        await removeDataDir(api.dataDir);
      }
      await scratch?.drop();
      await deleteQueuePrefix(TEST_REDIS_URL, queuePrefix);
    }, 60_000);

    it('allows the limit once in total, and each answer tells what is left of the shared count', async () => {
      const answers: Array<{ process: number; status: number; rateLimit: string | null }> = [];
      for (let i = 0; i < REQUESTS; i++) {
        const process = i % 2;
        const response = await fetch(`${apis[process]?.url}/v1/images`);
        await response.arrayBuffer();
        answers.push({ process, status: response.status, rateLimit: response.headers.get('ratelimit') });
      }
      const allowed = answers.filter((answer) => answer.status === 200);
      expect(allowed).toHaveLength(LIMIT);
      expect(answers.filter((answer) => answer.status === 429)).toHaveLength(REQUESTS - LIMIT);
      // Both processes served some, and the remaining count went down by one per request whichever process answered.
      expect(new Set(allowed.map((answer) => answer.process))).toEqual(new Set([0, 1]));
      expect(allowed.map((answer) => /r=(\d+)/.exec(answer.rateLimit ?? '')?.[1])).toEqual(
        Array.from({ length: LIMIT }, (_, i) => String(LIMIT - 1 - i)),
      );
      for (const api of apis) {
        expect(api.logs.filter((line) => String(line.msg).startsWith('rate-limit store'))).toEqual([]);
      }
    });
  },
);
