import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { createMemoryImageEvents } from '../../src/adapters/memory/memory-image-events.js';
import { createRedisImageEvents } from '../../src/adapters/redis/redis-image-events.js';
import { describeImageEventsContract } from '../contract/image-events.contract.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';

describeImageEventsContract('in-process', async () => {
  const events = createMemoryImageEvents();
  return { publisher: events, subscriber: events, cleanup: () => events.close() };
});

describe.runIf(adapterEnabled('redis'))('Redis pub/sub', () => {
  describeImageEventsContract('redis', async () => {
    // A channel of its own per test: parallel test files share the Redis server.
    const channel = `ts-test-${randomBytes(6).toString('hex')}:image-events`;
    const publisher = createRedisImageEvents({ url: TEST_REDIS_URL, channel });
    const subscriber = createRedisImageEvents({ url: TEST_REDIS_URL, channel });
    return {
      publisher,
      subscriber,
      async cleanup() {
        await publisher.close();
        await subscriber.close();
      },
    };
  });
});
