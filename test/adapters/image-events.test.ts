import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryImageEvents } from '../../src/adapters/memory/memory-image-events.js';
import { createPostgresImageEvents } from '../../src/adapters/postgres/postgres-image-events.js';
import { createRedisImageEvents } from '../../src/adapters/redis/redis-image-events.js';
import { describeImageEventsContract } from '../contract/image-events.contract.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { createScratchDatabase } from '../support/topology.js';

describeImageEventsContract('in-process', async (retention) => {
  const events = createMemoryImageEvents(retention);
  return { publisher: events, subscriber: events, cleanup: () => events.close() };
});

describe.runIf(adapterEnabled('redis'))('Redis stream', () => {
  describeImageEventsContract('redis', async (retention) => {
    // A stream of its own per test: parallel test files share the Redis server.
    const key = `ts-test-${randomBytes(6).toString('hex')}:image-events`;
    const publisher = createRedisImageEvents({ url: TEST_REDIS_URL, key, ...retention });
    const subscriber = createRedisImageEvents({ url: TEST_REDIS_URL, key, ...retention });
    return {
      publisher,
      subscriber,
      async cleanup() {
        await publisher.close();
        await subscriber.close();
        const { Redis } = await import('ioredis');
        const admin = new Redis(TEST_REDIS_URL);
        await admin.del(key);
        admin.disconnect();
      },
    };
  });
});

describe.runIf(adapterEnabled('redis'))('Redis stream that lost its data', () => {
  it('does not resume an id from before: the stream made again starts after it', async () => {
    const { Redis } = await import('ioredis');
    const key = `ts-test-${randomBytes(6).toString('hex')}:image-events`;
    const retention = { retentionMs: 60_000, maxCount: 1000 };
    const publisher = createRedisImageEvents({ url: TEST_REDIS_URL, key, ...retention });
    const subscriber = createRedisImageEvents({ url: TEST_REDIS_URL, key, ...retention });
    const admin = new Redis(TEST_REDIS_URL);
    try {
      const event = { tenant: 't', imageId: 'img_a', kind: 'queued', at: new Date().toISOString() } as const;
      const kept = await publisher.publish(event);
      const before = await publisher.publish(event);
      expect((await subscriber.subscribe(() => {}, { after: kept.id })).resumed).toBe(true);
      // Redis restarted without persistence, then the deployment went on publishing.
      await admin.del(key);
      await publisher.publish(event);
      const { resumed } = await subscriber.subscribe(() => {}, { after: before.id });
      expect(resumed).toBe(false);
    } finally {
      await publisher.close();
      await subscriber.close();
      await admin.del(key);
      admin.disconnect();
    }
  });
});

describe.runIf(adapterEnabled('postgres'))('PostgreSQL table and LISTEN/NOTIFY', () => {
  describeImageEventsContract('postgres', async (retention) => {
    // A database of its own per test: parallel test files share the server, and the table name is fixed.
    const database = await createScratchDatabase();
    const publisher = createPostgresImageEvents({ url: database.url, ...retention });
    const subscriber = createPostgresImageEvents({ url: database.url, ...retention });
    return {
      publisher,
      subscriber,
      async cleanup() {
        await publisher.close();
        await subscriber.close();
        await database.drop();
      },
    };
  });
});
