import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore } from '../../src/adapters/memory/memory-rate-limit-store.js';
import { createRedisRateLimitStore } from '../../src/adapters/redis/redis-rate-limit-store.js';
import { describeRateLimitStoreContract } from '../contract/rate-limit-store.contract.js';
import { freePort } from '../support/ports.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';

describeRateLimitStoreContract('memory', async () => {
  const store = createMemoryRateLimitStore();
  return { first: store, second: store, cleanup: async () => {} };
});

describe.runIf(adapterEnabled('redis'))('Redis', () => {
  describeRateLimitStoreContract('redis', async () => {
    // A prefix of its own per test: parallel test files share the Redis server.
    const prefix = `ts-test-${randomBytes(6).toString('hex')}:rate-limit`;
    const first = createRedisRateLimitStore({ url: TEST_REDIS_URL, prefix });
    const second = createRedisRateLimitStore({ url: TEST_REDIS_URL, prefix });
    return {
      first,
      second,
      async cleanup() {
        await first.close();
        await second.close();
      },
    };
  });

  it('rejects (rather than waits) while Redis cannot be reached, so the caller can fail open', async () => {
    const store = createRedisRateLimitStore({ url: `redis://127.0.0.1:${await freePort()}`, prefix: 'ts-test' });
    try {
      await expect(store.consume('ip:127.0.0.1', 10)).rejects.toThrow();
      await expect(store.consume('ip:127.0.0.1', 10)).rejects.toThrow();
    } finally {
      await store.close();
    }
  });
});
