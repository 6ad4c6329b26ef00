import { afterEach, describe, expect, it } from 'vitest';
import type { ImageEvent, ImageEventRetention, ImageEvents, NewImageEvent } from '../../src/ports/image-events.js';
import { quietPeriod, waitFor } from '../support/wait.js';

export interface ImageEventsUnderTest {
  /** Two handles on one transport: in-process, the same object; on Redis, two connections (two "processes"). */
  publisher: ImageEvents;
  subscriber: ImageEvents;
  cleanup(): Promise<void>;
}

const DEFAULT_RETENTION: ImageEventRetention = { retentionMs: 60_000, maxCount: 1000 };

const event = (overrides: Partial<NewImageEvent> = {}): NewImageEvent => ({
  tenant: 'default',
  imageId: 'img_06h0jgahkc04efahk9tqqqgrjr',
  kind: 'done',
  at: new Date().toISOString(),
  ...overrides,
});

/** Resolves once `events` holds `count` entries (bounded), so tests never sleep a fixed time to see a delivery. */
async function until(events: unknown[], count: number): Promise<void> {
  await waitFor(`${count} events`, () => events.length >= count, { timeoutMs: 5_000, intervalMs: 5 });
}

async function publishAll(events: ImageEvents, count: number, imageId = 'img_a'): Promise<ImageEvent[]> {
  const published: ImageEvent[] = [];
  for (let index = 0; index < count; index += 1)
    published.push(await events.publish(event({ imageId, kind: 'queued' })));
  return published;
}

const ids = (events: readonly ImageEvent[]) => events.map((e) => e.id);

/** The behaviour every ImageEvents adapter must show. */
export function describeImageEventsContract(
  name: string,
  make: (retention: ImageEventRetention) => Promise<ImageEventsUnderTest>,
): void {
  describe(`ImageEvents contract: ${name}`, () => {
    const opened: ImageEventsUnderTest[] = [];
    const open = async (retention = DEFAULT_RETENTION) => {
      const subject = await make(retention);
      opened.push(subject);
      return subject;
    };
    afterEach(async () => {
      for (const subject of opened.splice(0)) await subject.cleanup();
    });

    it('delivers every field of each event published after subscribing, to every subscriber, in order', async () => {
      const subject = await open();
      const first: ImageEvent[] = [];
      const second: ImageEvent[] = [];
      await subject.subscriber.subscribe((e) => first.push(e));
      await subject.subscriber.subscribe((e) => second.push(e));
      const sent = [event({ kind: 'queued' }), event({ kind: 'processing' }), event({ kind: 'deleted', tenant: 't2' })];
      const published: ImageEvent[] = [];
      for (const e of sent) published.push(await subject.publisher.publish(e));
      expect(published.map(({ id: _, ...rest }) => rest)).toStrictEqual(sent);
      await until(first, 3);
      await until(second, 3);
      expect(first).toStrictEqual(published);
      expect(second).toStrictEqual(published);
    });

    it('a fresh publisher delivers events published at once, while its connection is still opening', async () => {
      const subject = await open();
      const received: ImageEvent[] = [];
      await subject.subscriber.subscribe((e) => received.push(e));
      const published = await Promise.all([1, 2, 3].map(() => subject.publisher.publish(event({ kind: 'queued' }))));
      await until(received, 3);
      expect(new Set(ids(received))).toEqual(new Set(ids(published)));
    });

    it('gives each event a distinct id, in the order of publishing, also across publishers', async () => {
      const subject = await open();
      const received: ImageEvent[] = [];
      await subject.subscriber.subscribe((e) => received.push(e));
      const published: ImageEvent[] = [];
      for (let index = 0; index < 10; index += 1) {
        const from = index % 2 === 0 ? subject.publisher : subject.subscriber;
        published.push(await from.publish(event({ imageId: `img_${index}` })));
      }
      await until(received, 10);
      expect(new Set(ids(published)).size).toBe(10);
      expect(ids(received)).toStrictEqual(ids(published));
      // Resuming after each id gives exactly the ones after it: the ids are ordered for the adapter.
      for (const [index, { id }] of published.entries()) {
        const replayed: ImageEvent[] = [];
        const { resumed, unsubscribe } = await subject.subscriber.subscribe((e) => replayed.push(e), { after: id });
        expect(resumed).toBe(true);
        await until(replayed, 9 - index);
        await quietPeriod(20);
        unsubscribe();
        expect(ids(replayed)).toStrictEqual(ids(published.slice(index + 1)));
      }
    });

    it('stops delivering after unsubscribe; a throwing listener does not starve the others', async () => {
      const subject = await open();
      const kept: ImageEvent[] = [];
      const dropped: ImageEvent[] = [];
      const { unsubscribe } = await subject.subscriber.subscribe((e) => dropped.push(e));
      await subject.subscriber.subscribe(() => {
        throw new Error('listener bug');
      });
      await subject.subscriber.subscribe((e) => kept.push(e));
      await subject.publisher.publish(event());
      await until(kept, 1);
      await until(dropped, 1);
      unsubscribe();
      unsubscribe();
      await subject.publisher.publish(event({ kind: 'failed' }));
      await until(kept, 2);
      expect(dropped).toHaveLength(1);
      expect(kept.map((e) => e.kind)).toStrictEqual(['done', 'failed']);
    });

    it('close is idempotent and ends deliveries', async () => {
      const subject = await open();
      const got: ImageEvent[] = [];
      await subject.subscriber.subscribe((e) => got.push(e));
      await subject.subscriber.close();
      await subject.subscriber.close();
      if (subject.publisher !== subject.subscriber) await subject.publisher.publish(event());
      // Long enough for a delivery that was still coming to arrive.
      await quietPeriod(100);
      expect(got).toStrictEqual([]);
    });

    it('a resume replays every retained event after the id, then live ones: no gap, no duplicate at the seam', async () => {
      const subject = await open();
      const before = await publishAll(subject.publisher, 5);
      const received: ImageEvent[] = [];
      // Publishing goes on while the subscription replays: each of these lands before, during or after the seam.
      const during = (async () => publishAll(subject.publisher, 20, 'img_b'))();
      const { resumed } = await subject.subscriber.subscribe((e) => received.push(e), { after: before[1]?.id });
      const live = await during;
      const after = await publishAll(subject.publisher, 5, 'img_c');
      expect(resumed).toBe(true);
      const expected = [...before.slice(2), ...live, ...after];
      await until(received, expected.length);
      await quietPeriod(50);
      expect(ids(received)).toStrictEqual(ids(expected));
    });

    it('a resume after the newest id replays nothing and delivers what follows', async () => {
      const subject = await open();
      const [newest] = (await publishAll(subject.publisher, 1)) as [ImageEvent];
      const received: ImageEvent[] = [];
      const { resumed } = await subject.subscriber.subscribe((e) => received.push(e), { after: newest.id });
      expect(resumed).toBe(true);
      const next = await subject.publisher.publish(event({ kind: 'failed' }));
      await until(received, 1);
      await quietPeriod(20);
      expect(ids(received)).toStrictEqual([next.id]);
    });

    it('an id older than the retained count is not resumed: live events only', async () => {
      const subject = await open({ retentionMs: 60_000, maxCount: 10 });
      const [oldest] = (await publishAll(subject.publisher, 400)) as [ImageEvent];
      const received: ImageEvent[] = [];
      const { resumed } = await subject.subscriber.subscribe((e) => received.push(e), { after: oldest.id });
      expect(resumed).toBe(false);
      const next = await subject.publisher.publish(event({ kind: 'failed' }));
      await until(received, 1);
      await quietPeriod(20);
      expect(ids(received)).toStrictEqual([next.id]);
    });

    it('an id older than the retained time is not resumed once newer events pushed it out', async () => {
      const subject = await open({ retentionMs: 50, maxCount: 1000 });
      const [old] = (await publishAll(subject.publisher, 2)) as [ImageEvent, ImageEvent];
      // Past the retention (a sleep, not a measured duration: retention counts whole milliseconds).
      await quietPeriod(120);
      await publishAll(subject.publisher, 1);
      const { resumed, unsubscribe } = await subject.subscriber.subscribe(() => {}, { after: old.id });
      unsubscribe();
      expect(resumed).toBe(false);
    });

    it('garbage, huge, foreign and future ids are not resumed and break nothing', async () => {
      const subject = await open();
      const [known] = (await publishAll(subject.publisher, 1)) as [ImageEvent];
      // Far past the newest id, in the form of either adapter (`<ms>-<n>` on Redis, `<run>.<n>` in process).
      const future = known.id
        .replace(/^([0-9]+)-/, (_, ms: string) => `${BigInt(ms) + 10n ** 9n}-`)
        .replace(/\.([0-9]+)$/, (_, n: string) => `.${Number(n) + 1000}`);
      expect(future).not.toBe(known.id);
      const hostile = [
        'garbage',
        '',
        ' ',
        '-1',
        '0',
        '99999999999999999999-99999999999999999999',
        '999999999999999999999999-1',
        'ffffffffffffffff.1',
        '0123456789abcdef.1',
        future,
        `${known.id}\n`,
        `${known.id}x`,
        'a'.repeat(100_000),
        '1-1\r\nid: 2',
        '\u0000',
        '(0-1',
        '+',
        '-',
        '$',
        '🙂',
      ];
      for (const after of hostile) {
        const received: ImageEvent[] = [];
        const { resumed, unsubscribe } = await subject.subscriber.subscribe((e) => received.push(e), { after });
        const next = await subject.publisher.publish(event({ kind: 'failed' }));
        await until(received, 1);
        unsubscribe();
        expect({ after: after.slice(0, 40), resumed }).toStrictEqual({ after: after.slice(0, 40), resumed: false });
        // Live delivery still works, and nothing old was replayed.
        expect(ids(received)).toStrictEqual([next.id]);
      }
    });
  });
}
