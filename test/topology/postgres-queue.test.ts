import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createBullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { createRetryPolicy } from '../../src/domain/backoff.js';
import { uploadOk } from '../support/http.js';
import { adapterEnabled } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { mapLimit, type PrivatePostgres, reportUnexpectedExit, startPrivatePostgres } from '../support/topology.js';
import { waitFor } from '../support/wait.js';

/**
 * The Redis-free scale-out: PostgreSQL alone holds the metadata and the job queue (DATABASE_URL set, QUEUE_URL not:
 * the queue defaults to BullMQ's PostgreSQL backend in the same database), blobs in a directory every process shares.
 * On a private cluster (never the shared one on 5432), so that it can be crashed: one `thumbsmith api` and three
 * `thumbsmith worker` processes; a worker is SIGKILLed mid-render, then PostgreSQL stops at once (no checkpoint) and
 * starts again. Every acknowledged upload must end `done`, the killed worker's job recovered by another worker, no
 * process may die of the outage, and the queue must be left empty.
 */
const enabled = adapterEnabled('postgres') && adapterEnabled('bullmq');

const BEFORE_KILL = 12;
const AFTER_KILL = 6;
const AFTER_RESTART = 6;
const LEASE_MS = 1000;

let postgres: PrivatePostgres | undefined;
let blobs: string | undefined;
const running: ServiceProcess[] = [];
const watchers: Array<{ expectExit(): void }> = [];

afterAll(async () => {
  for (const watcher of watchers.splice(0)) watcher.expectExit();
  for (const service of running.splice(0)) {
    await service.stop('SIGKILL');
    await removeDataDir(service.dataDir);
  }
  await postgres?.stop();
  if (blobs) await rm(blobs, { recursive: true, force: true });
});

/** Image `n`: 3000×2000, cheap to upload (flat colours compress), long enough to render to be caught mid-job. */
async function slowImage(n: number): Promise<Buffer> {
  const patch = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#20a0f0' } })
    .png()
    .toBuffer();
  const background = { r: (n * 37) % 256, g: (n * 91) % 256, b: 120 };
  return sharp({ create: { width: 3000, height: 2000, channels: 3, background } })
    .composite([{ input: patch, left: (n * 13) % 2600, top: (n * 7) % 1700 }])
    .png()
    .toBuffer();
}

describe.runIf(enabled)('topology without Redis: PostgreSQL for metadata and queue, 1 api and 3 workers', () => {
  it('a worker SIGKILLed mid-job and a PostgreSQL crash: every acknowledged upload ends done', async () => {
    postgres = await startPrivatePostgres();
    blobs = await mkdtemp(join(tmpdir(), 'thumbsmith-pg-queue-'));
    const server = postgres;
    const env = {
      DATABASE_URL: server.url,
      STORAGE_URL: `file:${blobs}`,
      WORKER_CONCURRENCY: '1',
      JOB_LEASE_MS: String(LEASE_MS),
      SWEEP_INTERVAL_MS: '1000',
      SWEEP_STALE_MS: '5000',
      PROBE_CHILDREN: '1',
    };
    const start = async (command: 'api' | 'worker') => {
      // Four processes starting at once on a shared two-core machine may need longer than the default bound.
      const service = await startService({ command, env, startTimeoutMs: 180_000 });
      running.push(service);
      watchers.push(reportUnexpectedExit(`${command} ${running.length}`, service));
      return service;
    };
    // All four start at once: the metadata and the queue schema are migrated concurrently.
    const [api, victim] = await Promise.all([start('api'), start('worker'), start('worker'), start('worker')]);
    const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        return (await client.query(text, values)).rows as R[];
      } finally {
        await client.end();
      }
    };

    const acknowledged: string[] = [];
    let n = 0;
    const uploadBatch = async (count: number) => {
      const numbered = Array.from({ length: count }, () => n++);
      const images = await mapLimit(numbered, 2, async (i) => ({ i, bytes: await slowImage(i) }));
      await mapLimit(images, 4, async ({ i, bytes }) => {
        const { id } = await uploadOk(api.url, bytes, `pg-queue-${i}.png`);
        acknowledged.push(id);
      });
    };
    const readiness = async (service: ServiceProcess) => {
      const response = await fetch(`${service.url}/readyz`);
      const body = (await response.json()) as { checks: { workers?: { active: number } } };
      return { ready: response.ok, active: body.checks.workers?.active ?? 0 };
    };

    // --- a worker dies mid-render
    await uploadBatch(BEFORE_KILL);
    await waitFor('the victim inside a render', async () => ((await readiness(victim)).active > 0 ? true : undefined), {
      timeoutMs: 30_000,
    });
    const watcherOfVictim = watchers[running.indexOf(victim)];
    watcherOfVictim?.expectExit();
    await victim.stop('SIGKILL');
    const inFlightAtKill = (await sql<{ id: string }>("select id from images where status = 'processing'")).map(
      (row) => row.id,
    );
    await uploadBatch(AFTER_KILL);

    // --- PostgreSQL crashes and comes back; the API notices both
    await server.kill();
    await waitFor('the API to report not ready', async () => ((await readiness(api)).ready ? undefined : true), {
      timeoutMs: 20_000,
    });
    await server.start();
    await waitFor('the API to be ready again', async () => ((await readiness(api)).ready ? true : undefined), {
      timeoutMs: 30_000,
    });
    await uploadBatch(AFTER_RESTART);

    // --- every acknowledged upload ends done, once, with its variants
    expect(acknowledged).toHaveLength(BEFORE_KILL + AFTER_KILL + AFTER_RESTART);
    await waitFor(
      `all ${acknowledged.length} acknowledged uploads done`,
      async () => {
        const [row] = await sql<{ n: string }>("select count(*) as n from images where status = 'done'");
        return Number(row?.n) === acknowledged.length ? true : undefined;
      },
      { timeoutMs: 120_000 },
    );
    const rows = await sql<{ id: string; status: string; attempts: number; variants: string }>(
      'select id, status, attempts, variants from images',
    );
    expect(new Set(rows.map((row) => row.id))).toEqual(new Set(acknowledged));
    for (const row of rows) expect(JSON.parse(row.variants)).toHaveLength(3);
    // The victim's job came back as a second delivery after its lease expired (the others held theirs to the end).
    const recovered = rows.filter((row) => inFlightAtKill.includes(row.id) && row.attempts >= 2);
    expect(recovered.length).toBeGreaterThan(0);

    // --- the queue is in PostgreSQL, in its own schema, and holds nothing any more
    const schemas = await sql<{ table_schema: string }>(
      "select distinct table_schema from information_schema.tables where table_name = 'job'",
    );
    expect(schemas.map((row) => row.table_schema)).toEqual(['thumbsmith']);
    const queue = createBullmqJobQueue({
      store: { kind: 'postgres', url: server.url, schema: 'thumbsmith' },
      policy: createRetryPolicy({ maxAttempts: 5, backoffMs: 1000, backoffMaxMs: 60_000, leaseMs: LEASE_MS }),
    });
    try {
      await waitFor('the queue to be empty', async () => {
        const counts = await queue.counts();
        return counts.waiting + counts.active + counts.delayed + counts.dead === 0 ? true : undefined;
      });
    } finally {
      await queue.close();
    }
  }, 540_000);
});
