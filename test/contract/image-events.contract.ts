import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageEvent, ImageEvents } from '../../src/ports/image-events.js';
import { quietPeriod, waitFor } from '../support/wait.js';

export interface ImageEventsUnderTest {
  /** Two handles on one transport: in-process, the same object; on Redis, two connections (two "processes"). */
  publisher: ImageEvents;
  subscriber: ImageEvents;
  cleanup(): Promise<void>;
}

const event = (overrides: Partial<ImageEvent> = {}): ImageEvent => ({
  id: randomUUID(),
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

/** The behaviour every ImageEvents adapter must show. */
export function describeImageEventsContract(name: string, make: () => Promise<ImageEventsUnderTest>): void {
  describe(`ImageEvents contract: ${name}`, () => {
    let subject: ImageEventsUnderTest;
    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('delivers every field of each event published after subscribing, to every subscriber, in order', async () => {
      const first: ImageEvent[] = [];
      const second: ImageEvent[] = [];
      await subject.subscriber.subscribe((e) => first.push(e));
      await subject.subscriber.subscribe((e) => second.push(e));
      const sent = [event({ kind: 'queued' }), event({ kind: 'processing' }), event({ kind: 'deleted', tenant: 't2' })];
      for (const e of sent) await subject.publisher.publish(e);
      await until(first, 3);
      await until(second, 3);
      expect(first).toStrictEqual(sent);
      expect(second).toStrictEqual(sent);
    });

    it('a fresh publisher delivers events published at once, while its connection is still opening', async () => {
      const received: ImageEvent[] = [];
      await subject.subscriber.subscribe((e) => received.push(e));
      const sent = [event({ kind: 'queued' }), event({ kind: 'queued' }), event({ kind: 'queued' })];
      await Promise.all(sent.map((e) => subject.publisher.publish(e)));
      await until(received, 3);
      expect(new Set(received.map((e) => e.id))).toEqual(new Set(sent.map((e) => e.id)));
    });

    it('stops delivering after unsubscribe; a throwing listener does not starve the others', async () => {
      const kept: ImageEvent[] = [];
      const dropped: ImageEvent[] = [];
      const unsubscribe = await subject.subscriber.subscribe((e) => dropped.push(e));
      await subject.subscriber.subscribe(() => {
        throw new Error('listener bug');
      });
      await subject.subscriber.subscribe((e) => kept.push(e));
      await subject.publisher.publish(event());
      await until(kept, 1);
      await until(dropped, 1);
      unsubscribe();
      await subject.publisher.publish(event({ kind: 'failed' }));
      await until(kept, 2);
      expect(dropped).toHaveLength(1);
      expect(kept.map((e) => e.kind)).toStrictEqual(['done', 'failed']);
    });

    it('close is idempotent and ends deliveries', async () => {
      const got: ImageEvent[] = [];
      await subject.subscriber.subscribe((e) => got.push(e));
      await subject.subscriber.close();
      await subject.subscriber.close();
      if (subject.publisher !== subject.subscriber) await subject.publisher.publish(event());
      // Long enough for a delivery that was still coming to arrive.
      await quietPeriod(100);
      expect(got).toStrictEqual([]);
    });
  });
}
