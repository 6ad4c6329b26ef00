import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { createMemoryImageEvents } from '../../src/adapters/memory/memory-image-events.js';
import { createRedisImageEvents } from '../../src/adapters/redis/redis-image-events.js';
import { describeImageEventsContract } from '../contract/image-events.contract.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';

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
