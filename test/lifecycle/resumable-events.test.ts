import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageJson, uploadOk, waitForFinal } from '../support/http.js';
import { adapterEnabled } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { jpeg, readSse, type SseEvent, startScaleOut } from './support.js';

const ORIGIN = 'https://app.example.com';

const deletedOf = (id: string) => (e: SseEvent) =>
  e.event === 'deleted' && (JSON.parse(e.data) as { id: string }).id === id;
const doneOf = (id: string) => (e: SseEvent) =>
  e.event === 'image' &&
  (JSON.parse(e.data) as ImageJson).id === id &&
  (JSON.parse(e.data) as ImageJson).status === 'done';
/** Every one of the (four) images has its `deleted` event: the ids are all known before the first deletion. */
const allDeleted = (ids: readonly string[], events: readonly SseEvent[]) =>
  ids.length === 4 && ids.every((id) => events.some(deletedOf(id)));
const summary = (events: readonly SseEvent[]) => events.map((e) => `${e.event} ${e.id}`);

async function remove(baseUrl: string, id: string): Promise<void> {
  const response = await fetch(`${baseUrl}/v1/images/${id}`, { method: 'DELETE' });
  expect(response.status).toBe(204);
}

/** A stream that opens before anything happens and never drops: the events every client should see, in order. */
function reference(url: string, stop: (events: SseEvent[]) => boolean) {
  let opened!: () => void;
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const reading = readSse(`${url}/v1/events`, { timeoutMs: 90_000, onOpen: () => opened(), stop });
  return { open, reading };
}

/**
 * Follows `/v1/events` on the given servers in turn, dropping the connection after every `perConnection` events and
 * reconnecting with the last id seen, until `stop` says enough (bounded by `maxConnections`).
 */
async function followWithReconnects(
  urls: readonly string[],
  perConnection: number,
  stop: (events: SseEvent[]) => boolean,
  onFirstOpen: () => void,
  maxConnections = 200,
): Promise<{ events: SseEvent[]; connections: number }> {
  const events: SseEvent[] = [];
  let lastId: string | undefined;
  for (let connection = 0; connection < maxConnections; connection += 1) {
    const url = urls[connection % urls.length] as string;
    const { events: got } = await readSse(`${url}/v1/events`, {
      timeoutMs: 60_000,
      headers: lastId ? { 'last-event-id': lastId } : {},
      onOpen: connection === 0 ? onFirstOpen : undefined,
      stop: (seen) => seen.length >= perConnection || stop([...events, ...seen]),
    });
    events.push(...got);
    lastId = got.findLast((e) => e.id !== undefined)?.id ?? lastId;
    if (stop(events)) return { events, connections: connection + 1 };
  }
  throw new Error(`no end after ${maxConnections} connections: ${JSON.stringify(summary(events))}`);
}

describe('a reconnecting event stream misses nothing (embedded)', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    service = await startService({ env: { WORKER_CONCURRENCY: '2' } });
  });
  afterAll(async () => {
    await service?.stop();
    if (service) await removeDataDir(service.dataDir);
  });

  it('gets every event exactly once, in order, after a drop with changes while it was away', async () => {
    let lastImage = '';
    const all = reference(service.url, (events) => lastImage !== '' && events.some(deletedOf(lastImage)));
    await all.open;
    // Connected, then dropped once the first image is done.
    let first = '';
    const before = await readSse(`${service.url}/v1/events`, {
      timeoutMs: 60_000,
      onOpen: () => {
        void (async () => {
          first = (await uploadOk(service.url, await jpeg(101))).id;
        })();
      },
      stop: (events) => first !== '' && events.some(doneOf(first)),
    });
    // While it is away: another image, and the first one deleted.
    const second = (await uploadOk(service.url, await jpeg(102))).id;
    await waitForFinal(service.url, second);
    await remove(service.url, first);
    // Back with the last id it saw: what it missed, then live changes.
    const after = await readSse(`${service.url}/v1/events`, {
      timeoutMs: 60_000,
      headers: { 'last-event-id': before.events.at(-1)?.id ?? '' },
      onOpen: () => {
        void (async () => {
          lastImage = (await uploadOk(service.url, await jpeg(103))).id;
          await waitForFinal(service.url, lastImage);
          await remove(service.url, lastImage);
        })();
      },
      stop: (events) => lastImage !== '' && events.some(deletedOf(lastImage)),
    });
    const { events: expected } = await all.reading;

    expect(after.events[0]?.event).not.toBe('reset');
    expect(after.events.some(deletedOf(first))).toBe(true);
    expect(summary([...before.events, ...after.events])).toStrictEqual(summary(expected));
    expect(new Set(expected.map((e) => e.id)).size).toBe(expected.length);
  });

  it('many reconnects, two events each, while images come and go: still every event once, in order', async () => {
    const ids: string[] = [];
    const all = reference(service.url, (events) => allDeleted(ids, events));
    await all.open;
    let producing: Promise<void> = Promise.resolve();
    const produce = async () => {
      for (let index = 0; index < 4; index += 1) ids.push((await uploadOk(service.url, await jpeg(110 + index))).id);
      for (const id of ids) await waitForFinal(service.url, id);
      for (const id of ids) await remove(service.url, id);
    };
    const followed = await followWithReconnects(
      [service.url],
      2,
      (events) => allDeleted(ids, events),
      () => {
        producing = produce();
      },
    );
    await producing;
    const { events: expected } = await all.reading;
    expect(followed.connections).toBeGreaterThan(5);
    expect(followed.events.some((e) => e.event === 'reset')).toBe(false);
    expect(summary(followed.events)).toStrictEqual(summary(expected));
  });
});

describe('resume points the server cannot use, and the headers of the stream (embedded API process)', () => {
  let api: ServiceProcess;

  beforeAll(async () => {
    // No workers: uploads stay queued, each one event. Ten events kept at most.
    api = await startService({ command: 'api', env: { EVENTS_RETENTION_COUNT: '10', CORS_ORIGINS: ORIGIN } });
  });
  afterAll(async () => {
    await api?.stop();
    if (api) await removeDataDir(api.dataDir);
  });

  /**
   * Opens `/v1/events` with `headers` (and `query`), uploads one image, and reads until its event arrives (known by
   * its bytes' SHA-256: the event may come before the upload's answer names the id).
   */
  async function streamWith(headers: Record<string, string>, query = '', seed = 200) {
    const bytes = await jpeg(seed);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let uploading: Promise<ImageJson> | undefined;
    const read = await readSse(`${api.url}/v1/events${query}`, {
      headers,
      onOpen: () => {
        uploading = uploadOk(api.url, bytes);
      },
      stop: (events) => events.some((e) => e.data.includes(sha256)),
    });
    return { ...read, id: (await (uploading as Promise<ImageJson>)).id };
  }

  it('an id older than the kept events starts the stream with `reset` (and an empty id), then live events', async () => {
    const first = await streamWith({}, '', 201);
    const oldest = first.events.at(-1)?.id ?? '';
    // Eleven more events push it out of the ten kept.
    for (let seed = 202; seed < 213; seed += 1) await uploadOk(api.url, await jpeg(seed));
    const { events, id } = await streamWith({ 'last-event-id': oldest }, '', 213);
    expect(events[0]).toStrictEqual({ id: '', event: 'reset', data: '{}' });
    expect(events.slice(1).map((e) => (JSON.parse(e.data) as ImageJson).id)).toStrictEqual([id]);
  });

  it('a recent id resumes without `reset`; the header wins over ?lastEventId=', async () => {
    const first = await streamWith({}, '', 220);
    const recent = first.events.at(-1)?.id ?? '';
    const resumed = await streamWith({ 'last-event-id': recent }, '?lastEventId=garbage', 221);
    expect(resumed.events.map((e) => e.event)).toStrictEqual(['image']);
    const byQuery = await streamWith({}, `?lastEventId=${encodeURIComponent(resumed.events[0]?.id ?? '')}`, 222);
    expect(byQuery.events.map((e) => e.event)).toStrictEqual(['image']);
    const overruled = await streamWith({ 'last-event-id': 'garbage' }, `?lastEventId=${recent}`, 223);
    expect(overruled.events[0]?.event).toBe('reset');
  });

  it('garbage, huge and foreign ids (header or query) are answered with `reset`, never an error', async () => {
    const hostile = [
      'garbage',
      '1700000000000-0',
      '99999999999999999999999999-1',
      '0123456789abcdef.1',
      '../../etc/passwd',
      '%00',
      'é',
      'a'.repeat(8000),
    ];
    let seed = 230;
    for (const value of hostile) {
      seed += 1;
      const viaHeader = await streamWith({ 'last-event-id': encodeURI(value) }, '', seed);
      expect(viaHeader.events[0]?.event, value.slice(0, 20)).toBe('reset');
      seed += 1;
      const viaQuery = await streamWith({}, `?lastEventId=${encodeURIComponent(value)}`, seed);
      expect(viaQuery.events[0]?.event, value.slice(0, 20)).toBe('reset');
    }
    // An empty id is no id at all (the SSE rule): no reset.
    const empty = await streamWith({ 'last-event-id': '' }, '?lastEventId=', 260);
    expect(empty.events.map((e) => e.event)).toStrictEqual(['image']);
    // A header too large for the server is refused by Node, and the server goes on serving.
    const tooLarge = await fetch(`${api.url}/v1/events`, { headers: { 'last-event-id': 'x'.repeat(20_000) } });
    expect(tooLarge.status).toBe(431);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it('a hundred quick reconnects with good and bad ids leave a server that still streams', async () => {
    const first = await streamWith({}, '', 270);
    const recent = first.events.at(-1)?.id ?? '';
    for (let round = 0; round < 100; round += 1) {
      const controller = new AbortController();
      const response = await fetch(`${api.url}/v1/events`, {
        signal: controller.signal,
        headers: { 'last-event-id': round % 2 === 0 ? recent : `bad-${round}` },
      });
      expect(response.status).toBe(200);
      controller.abort();
      await response.body?.cancel().catch(() => undefined);
    }
    const after = await streamWith({ 'last-event-id': recent }, '', 271);
    expect(after.events.at(-1)?.data).toContain(after.id);
  });

  it('keeps every header the reply carries: CORS, request id, nosniff, no-store; on a reset too', async () => {
    for (const lastEventId of [undefined, 'garbage']) {
      const { headers, events } = await streamWith(
        { origin: ORIGIN, 'x-request-id': 'sse-resume-1', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        '',
        280 + (lastEventId ? 1 : 0),
      );
      expect(headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect(headers.get('vary')).toContain('Origin');
      expect(headers.get('x-request-id')).toBe('sse-resume-1');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('cache-control')).toBe('no-store, no-transform');
      expect(events[0]?.event).toBe(lastEventId ? 'reset' : 'image');
    }
    const other = await streamWith({ origin: 'https://evil.example' }, '', 290);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

const scaleOut = adapterEnabled('postgres') && adapterEnabled('redis') && adapterEnabled('s3');

describe.runIf(scaleOut)('a reconnecting event stream misses nothing across API processes (Redis stream)', () => {
  let infra: Awaited<ReturnType<typeof startScaleOut>>;
  let apis: ServiceProcess[] = [];
  let worker: ServiceProcess;

  beforeAll(async () => {
    infra = await startScaleOut();
    apis = [
      await startService({ command: 'api', env: infra.env }),
      await startService({ command: 'api', env: infra.env }),
    ];
    worker = await startService({ command: 'worker', env: infra.env });
  }, 120_000);
  afterAll(async () => {
    for (const service of [...apis, worker]) {
      if (!service) continue;
      await service.stop();
      await removeDataDir(service.dataDir);
    }
    await infra?.stop();
  });

  it('dropped on one API process, resumed on the other: every event once, in order', async () => {
    const [one, two] = apis.map((api) => api.url) as [string, string];
    let lastImage = '';
    const all = reference(one, (events) => lastImage !== '' && events.some(deletedOf(lastImage)));
    await all.open;
    let first = '';
    const before = await readSse(`${one}/v1/events`, {
      timeoutMs: 60_000,
      onOpen: () => {
        void (async () => {
          first = (await uploadOk(one, await jpeg(301))).id;
        })();
      },
      stop: (events) => first !== '' && events.some(doneOf(first)),
    });
    // While away: an image through the other process (rendered by the worker), and a deletion published by the first.
    const second = (await uploadOk(two, await jpeg(302))).id;
    await waitForFinal(two, second);
    await remove(one, first);
    const after = await readSse(`${two}/v1/events`, {
      timeoutMs: 60_000,
      headers: { 'last-event-id': before.events.at(-1)?.id ?? '' },
      onOpen: () => {
        void (async () => {
          lastImage = (await uploadOk(one, await jpeg(303))).id;
          await waitForFinal(one, lastImage);
          await remove(one, lastImage);
        })();
      },
      stop: (events) => lastImage !== '' && events.some(deletedOf(lastImage)),
    });
    const { events: expected } = await all.reading;
    expect(after.events[0]?.event).not.toBe('reset');
    expect(after.events.some(deletedOf(first))).toBe(true);
    expect(summary([...before.events, ...after.events])).toStrictEqual(summary(expected));
  });

  it('many reconnects alternating between the two API processes miss nothing', async () => {
    const urls = apis.map((api) => api.url);
    const ids: string[] = [];
    const all = reference(urls[0] as string, (events) => allDeleted(ids, events));
    await all.open;
    let producing: Promise<void> = Promise.resolve();
    const produce = async () => {
      for (let index = 0; index < 4; index += 1) {
        ids.push((await uploadOk(urls[index % 2] as string, await jpeg(310 + index))).id);
      }
      for (const id of ids) await waitForFinal(urls[0] as string, id);
      for (const [index, id] of ids.entries()) await remove(urls[index % 2] as string, id);
    };
    const followed = await followWithReconnects(
      urls,
      2,
      (events) => allDeleted(ids, events),
      () => {
        producing = produce();
      },
    );
    await producing;
    const { events: expected } = await all.reading;
    expect(followed.connections).toBeGreaterThan(5);
    expect(followed.events.some((e) => e.event === 'reset')).toBe(false);
    expect(summary(followed.events)).toStrictEqual(summary(expected));
  });
});
