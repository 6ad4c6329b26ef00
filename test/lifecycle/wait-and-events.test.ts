import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageJson, uploadOk, waitForFinal } from '../support/http.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { jpeg, readSse, slowPng } from './support.js';

let service: ServiceProcess;

beforeAll(async () => {
  service = await startService({ env: { WORKER_CONCURRENCY: '2' } });
});
afterAll(async () => {
  await service?.stop();
  if (service) await removeDataDir(service.dataDir);
});

describe('waiting without polling (embedded default)', () => {
  it('GET ?wait= answers as soon as the image is done, well before the wait is over', async () => {
    const { id } = await uploadOk(service.url, await slowPng(10), 'slow.png');
    const started = Date.now();
    const response = await fetch(`${service.url}/v1/images/${id}?wait=30`);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(200);
    const image = (await response.json()) as ImageJson;
    expect(image.status).toBe('done');
    expect(image.variants).toHaveLength(3);
    // One request sufficed, and it did not sit out the 30 s.
    expect(elapsed).toBeLessThan(25_000);
  });

  it('GET ?wait= gives up after the wait with the status then (an API process without workers)', async () => {
    const api = await startService({ command: 'api' });
    try {
      const { id } = await uploadOk(api.url, await jpeg(15));
      const started = Date.now();
      const image = (await (await fetch(`${api.url}/v1/images/${id}?wait=1`)).json()) as ImageJson;
      expect(image.status).toBe('queued');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await api.stop();
      await removeDataDir(api.dataDir);
    }
  });

  it('rejects a wait over 30 s and a negative one', async () => {
    const { id } = await uploadOk(service.url, await jpeg(11));
    expect((await fetch(`${service.url}/v1/images/${id}?wait=31`)).status).toBe(400);
    expect((await fetch(`${service.url}/v1/images/${id}?wait=-1`)).status).toBe(400);
  });

  it('the per-image SSE stream sends the current state, each change, and ends after done', async () => {
    const { id } = await uploadOk(service.url, await slowPng(12), 'slow.png');
    const { events, ended, contentType } = await readSse(`${service.url}/v1/images/${id}/events`, {
      timeoutMs: 60_000,
    });
    expect(contentType).toContain('text/event-stream');
    expect(ended).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.every((e) => e.event === 'image')).toBe(true);
    // The state read on connect has no id (a reconnect starts with the state anyway); announced changes have theirs.
    expect(events[0]?.id).toBeUndefined();
    const images = events.map((e) => JSON.parse(e.data) as ImageJson);
    expect(images.every((image) => image.id === id)).toBe(true);
    expect(images.at(-1)?.status).toBe('done');
    expect(images.at(-1)?.variants).toHaveLength(3);
    const ids = events.flatMap((e) => e.id ?? []);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a stream for a finished image sends it once and ends; an unknown image is a 404 problem', async () => {
    const image = await waitForFinal(service.url, (await uploadOk(service.url, await jpeg(13))).id);
    const { events, ended } = await readSse(`${service.url}/v1/images/${image.id}/events`);
    expect(ended).toBe(true);
    expect(events.map((e) => (JSON.parse(e.data) as ImageJson).status)).toStrictEqual(['done']);
    const missing = await fetch(`${service.url}/v1/images/img_00000000000000000000000000/events`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('TS_NOT_FOUND');
  });

  it('the tenant stream (/v1/events) carries every image: queued → … → done, and deletions', async () => {
    let id = '';
    const reading = readSse(`${service.url}/v1/events`, {
      timeoutMs: 60_000,
      onOpen: () => {
        void (async () => {
          id = (await uploadOk(service.url, await jpeg(14))).id;
          await waitForFinal(service.url, id);
          await fetch(`${service.url}/v1/images/${id}`, { method: 'DELETE' });
        })();
      },
      stop: (events) => events.some((e) => e.event === 'deleted' && (JSON.parse(e.data) as { id: string }).id === id),
    });
    const { events } = await reading;
    const mine = events.filter((e) => e.event === 'image' && (JSON.parse(e.data) as ImageJson).id === id);
    const statuses = mine.map((e) => (JSON.parse(e.data) as ImageJson).status);
    expect(statuses).toContain('done');
    expect(statuses.indexOf('done')).toBe(statuses.length - 1);
    expect(events.at(-1)?.event).toBe('deleted');
  });
});
