import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryImageEvents } from '../../src/adapters/memory/memory-image-events.js';
import { createPostgresImageEvents, LISTENER_NAME } from '../../src/adapters/postgres/postgres-image-events.js';
import { createRedisImageEvents } from '../../src/adapters/redis/redis-image-events.js';
import type { ImageEvent, ImageEvents } from '../../src/ports/image-events.js';
import { describeImageEventsContract } from '../contract/image-events.contract.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { createScratchDatabase, type ScratchDatabase } from '../support/topology.js';
import { quietPeriod, waitFor } from '../support/wait.js';

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
    const publisher = createPostgresImageEvents({ url: database.url, schema: 'thumbsmith', ...retention });
    const subscriber = createPostgresImageEvents({ url: database.url, schema: 'thumbsmith', ...retention });
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

describe.runIf(adapterEnabled('postgres'))('PostgreSQL events beyond the contract', () => {
  const retention = { retentionMs: 60_000, maxCount: 1000 };
  const event = { tenant: 't', imageId: 'img_a', kind: 'queued', at: new Date().toISOString() } as const;
  let database: ScratchDatabase;
  const opened: ImageEvents[] = [];
  const open = (schema = 'thumbsmith') => {
    const events = createPostgresImageEvents({ url: database.url, schema, ...retention });
    opened.push(events);
    return events;
  };
  beforeEach(async () => {
    database = await createScratchDatabase();
  });
  afterEach(async () => {
    for (const events of opened.splice(0)) await events.close();
    await database.drop();
  });

  it('makes its LISTEN connection again after losing it, and catches up on what was published meanwhile', async () => {
    const publisher = open();
    const subscriber = open();
    const received: ImageEvent[] = [];
    await subscriber.subscribe((e) => received.push(e));
    const first = await publisher.publish(event);
    await waitFor('the first event', () => received.length === 1, { timeoutMs: 5_000 });
    // What a Postgres restart or a network cut does to the listening connection.
    const [{ ended } = { ended: false }] = await database.query<{ ended: boolean }>(
      `select bool_or(pg_terminate_backend(pid)) as ended from pg_stat_activity
       where datname = current_database() and application_name = $1`,
      [LISTENER_NAME],
    );
    expect(ended).toBe(true);
    const meanwhile = [await publisher.publish(event), await publisher.publish(event)];
    await waitFor('the events published without a listener', () => received.length === 3, { timeoutMs: 10_000 });
    const after = await publisher.publish({ ...event, kind: 'done' });
    await waitFor('a live event on the new connection', () => received.length === 4, { timeoutMs: 10_000 });
    expect(received.map((e) => e.id)).toStrictEqual([first, ...meanwhile, after].map((e) => e.id));
  });

  it('does not resume an id from a table that was made again', async () => {
    const publisher = open();
    const before = await publisher.publish(event);
    await database.query('drop table thumbsmith.image_events, thumbsmith.image_events_trimmed');
    // Another process (a restart) makes the tables again and goes on publishing: the sequence starts over.
    const fresh = open();
    await fresh.publish(event);
    await fresh.publish(event);
    const { resumed } = await fresh.subscribe(() => {}, { after: before.id });
    expect(resumed).toBe(false);
  });

  it('keeps deployments in different schemas of one database apart', async () => {
    const ours = open('deployment_a');
    const theirs = open('deployment_b');
    const received: ImageEvent[] = [];
    await ours.subscribe((e) => received.push(e));
    const other = await theirs.publish(event);
    const own = await ours.publish({ ...event, kind: 'done' });
    await waitFor('our event', () => received.length >= 1, { timeoutMs: 5_000 });
    await quietPeriod(50);
    expect(received.map((e) => e.kind)).toStrictEqual(['done']);
    expect((await ours.subscribe(() => {}, { after: other.id })).resumed).toBe(false);
    expect((await ours.subscribe(() => {}, { after: own.id })).resumed).toBe(true);
  });
});
