import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { BullmqStore } from '../../src/adapters/bullmq/bullmq-connection.js';
import { createBullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { createSqliteJobQueue } from '../../src/adapters/sqlite/sqlite-job-queue.js';
import { createRetryPolicy, type RetryPolicyConfig } from '../../src/domain/backoff.js';
import type { JobQueue } from '../../src/ports/job-queue.js';

/**
 * Opens a queue database the way the application does (WAL, busy_timeout=5000, synchronous=NORMAL) without
 * depending on the application's opener.
 */
export function openQueueDatabase(file: string): Database.Database {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  return database;
}

export function makeQueueTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'thumbsmith-queue-'));
}

export async function removeQueueTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A Redis key prefix of its own for one test. */
export function uniqueQueuePrefix(): string {
  return `tstest:${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `prefix:` (what a test's queue left behind). */
export async function deleteQueuePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** BullMQ on Redis under `namespace` as key prefix, or on PostgreSQL with `namespace` as schema. */
export function bullmqStore(url: string, namespace: string): BullmqStore {
  return /^postgres(ql)?:/.test(url)
    ? { kind: 'postgres', url, schema: namespace }
    : { kind: 'redis', connection: url, prefix: namespace };
}

/** A PostgreSQL schema of its own for one test (BullMQ's tables go there). */
export function uniqueQueueSchema(): string {
  return `tstest_${randomBytes(6).toString('hex')}`;
}

/**
 * Opens a queue from command-line style arguments, so a child process can open the same queue as its parent:
 * `sqlite <file>` or `bullmq <redisUrl> <prefix>` or `bullmq <postgresUrl> <schema>`.
 */
export function openQueueFromArgs(
  policyConfig: RetryPolicyConfig,
  args: readonly string[],
): { queue: JobQueue; close(): Promise<void> } {
  const policy = createRetryPolicy(policyConfig);
  const [kind, location, prefix] = args;
  if (kind === 'sqlite' && location) {
    const database = openQueueDatabase(location);
    const queue = createSqliteJobQueue(database, policy, { pollIntervalMs: 50 });
    return {
      queue,
      close: async () => {
        await queue.close();
        database.close();
      },
    };
  }
  if (kind === 'bullmq' && location && prefix) {
    const queue = createBullmqJobQueue({ store: bullmqStore(location, prefix), policy });
    return { queue, close: () => queue.close() };
  }
  throw new Error(`Expected "sqlite <file>" or "bullmq <url> <prefix or schema>" but received ${JSON.stringify(args)}`);
}
