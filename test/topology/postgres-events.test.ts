import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jpeg, readSse } from '../lifecycle/support.js';
import type { ImageJson } from '../support/http.js';
import { uploadOk } from '../support/http.js';
import { adapterEnabled } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { createScratchDatabase, reportUnexpectedExit, type ScratchDatabase } from '../support/topology.js';

/**
 * The Redis-free scale-out hears across processes: with PostgreSQL alone (metadata, queue and status events), an
 * API process's tenant stream (`/v1/events`) sees the `done` a separate worker process published, live, and a
 * client that reconnects with `Last-Event-ID` gets the worker's events replayed from the table, not a `reset`.
 */
const enabled = adapterEnabled('postgres') && adapterEnabled('bullmq');

let database: ScratchDatabase | undefined;
let blobs: string | undefined;
const running: ServiceProcess[] = [];
const watchers: Array<{ expectExit(): void }> = [];

afterAll(async () => {
  for (const watcher of watchers.splice(0)) watcher.expectExit();
  for (const service of running.splice(0)) {
    await service.stop('SIGKILL');
    await removeDataDir(service.dataDir);
  }
  await database?.drop();
  if (blobs) await rm(blobs, { recursive: true, force: true });
});

const isDone = (data: string, id: string) => {
  const image = JSON.parse(data) as ImageJson;
  return image.id === id && image.status === 'done';
};

describe.runIf(enabled)('topology without Redis: status events on PostgreSQL', () => {
  it("an API process's event stream sees a worker process's done, live and on resume", async () => {
    database = await createScratchDatabase();
    blobs = await mkdtemp(join(tmpdir(), 'thumbsmith-pg-events-'));
    const env = { DATABASE_URL: database.url, STORAGE_URL: `file:${blobs}`, PROBE_CHILDREN: '1' };
    const start = async (command: 'api' | 'worker') => {
      const service = await startService({ command, env, startTimeoutMs: 180_000 });
      running.push(service);
      watchers.push(reportUnexpectedExit(command, service));
      return service;
    };
    const [api, worker] = await Promise.all([start('api'), start('worker')]);

    let id = '';
    const live = await readSse(`${api.url}/v1/events`, {
      timeoutMs: 60_000,
      onOpen: () => {
        void (async () => {
          id = (await uploadOk(api.url, await jpeg(7))).id;
        })();
      },
      stop: (seen) => seen.some((e) => e.event === 'image' && isDone(e.data, id)),
    });
    const mine = live.events.filter((e) => e.event === 'image' && (JSON.parse(e.data) as ImageJson).id === id);
    expect(mine.some((e) => isDone(e.data, id))).toBe(true);
    // The worker, not the API, finished it: only a shared transport could have carried the event.
    expect(worker.logs.some((line) => line.imageId === id && line.msg === 'image done')).toBe(true);
    expect(api.logs.some((line) => line.imageId === id && line.msg === 'image done')).toBe(false);

    // Resuming after the first event of the image replays the rest from the table, the worker's `done` included.
    const first = mine[0];
    expect(first?.id).toBeTruthy();
    const resumed = await readSse(`${api.url}/v1/events`, {
      timeoutMs: 30_000,
      headers: { 'last-event-id': first?.id ?? '' },
      stop: (seen) => seen.some((e) => e.event === 'reset' || (e.event === 'image' && isDone(e.data, id))),
    });
    expect(resumed.events.some((e) => e.event === 'reset')).toBe(false);
    expect(resumed.events.some((e) => e.event === 'image' && isDone(e.data, id))).toBe(true);
    expect(resumed.events.map((e) => e.id)).not.toContain(first?.id);
  }, 300_000);
});
