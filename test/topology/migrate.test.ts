import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATION_TABLE } from '../../src/adapters/sql/migrate-to-latest.js';
import { METADATA_MIGRATIONS } from '../../src/adapters/sql/migrations/index.js';
import { type CliRun, runCli } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { adapterEnabled } from '../support/servers.js';
import { createScratchDatabase } from '../support/topology.js';

/** Every migration of the set, in the order they run. */
const ALL = Object.keys(METADATA_MIGRATIONS).sort();
const APPLIED_ALL = `applied ${ALL.length} migration(s): ${ALL.join(', ')}`;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `thumbsmith migrate` as a real process and collects its exit code and output. */
function migrate(env: Record<string, string>): Promise<CliRun> {
  return runCli(['migrate'], { env: { LOG_FORMAT: 'json', ...env }, timeoutMs: 30_000 });
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-migrate-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Queue and storage pointed at ports nobody listens on: migrate must not need them. */
async function deadQueueAndStorage(): Promise<Record<string, string>> {
  return {
    QUEUE_URL: `redis://127.0.0.1:${await freePort()}`,
    STORAGE_URL: 's3://nowhere-bucket',
    S3_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
  };
}

describe('thumbsmith migrate', () => {
  it('migrates the configured SQLite file, touching nothing else, and is a no-op the second time', async () => {
    const dir = await tempDir();
    const file = join(dir, 'meta', 'thumbs.db');
    const env = { DATA_DIR: join(dir, 'data'), DATABASE_URL: `sqlite:${file}`, ...(await deadQueueAndStorage()) };

    const first = await migrate(env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(APPLIED_ALL);

    const db = new Database(file, { readonly: true });
    try {
      const tables = db
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .all()
        .map((row) => (row as { name: string }).name);
      expect(tables).toContain('images');
      expect(tables).toContain(MIGRATION_TABLE);
      // The embedded queue's table is the queue's business, created when a queue opens, not by migrate.
      expect(tables).not.toContain('jobs');
    } finally {
      db.close();
    }

    const second = await migrate(env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('schema already up to date');
  });

  it.runIf(adapterEnabled('postgres'))(
    'migrates the configured PostgreSQL database with queue and storage unreachable',
    async () => {
      const scratch = await createScratchDatabase();
      cleanups.push(() => scratch.drop());
      const env = {
        DATA_DIR: join(await tempDir(), 'data'),
        DATABASE_URL: scratch.url,
        ...(await deadQueueAndStorage()),
      };

      // Two at once on a fresh database (two replicas starting together): both succeed, one of them migrates.
      const runs = await Promise.all([migrate(env), migrate(env)]);
      expect(runs.map((run) => run.code)).toEqual([0, 0]);
      expect(runs.map((run) => run.stderr)).toEqual(['', '']);
      const said = runs.map((run) => (run.stdout.includes(APPLIED_ALL) ? 1 : 0));
      expect(said[0]! + said[1]!).toBe(1);

      const tables = await scratch.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['images', MIGRATION_TABLE, `${MIGRATION_TABLE}_lock`]),
      );
      const applied = await scratch.query<{ name: string }>(`select name from ${MIGRATION_TABLE}`);
      expect(applied.map((m) => m.name).sort()).toEqual(ALL);

      const again = await migrate(env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('schema already up to date');
    },
  );

  it('fails with exit code 1 and says why when the database cannot be reached', async () => {
    const env = {
      DATA_DIR: join(await tempDir(), 'data'),
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/nothing`,
    };
    const result = await migrate(env);
    expect(result.code).toBe(1);
    // One line naming the variable to fix, with the password left out.
    expect(result.stderr).toMatch(/^thumbsmith: DATABASE_URL: .*ECONNREFUSED[^\n]*\n$/);
    expect(result.stderr).not.toContain(':postgres@');
  });
});
