import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_WINDOW_SECONDS, type RateLimitStore } from '../../src/ports/rate-limit-store.js';

export interface RateLimitStoreUnderTest {
  /** Two handles on one count: in-process, the same object; on Redis, two connections (two "processes"). */
  first: RateLimitStore;
  second: RateLimitStore;
  cleanup(): Promise<void>;
}

/** The behaviour every RateLimitStore adapter must show. */
export function describeRateLimitStoreContract(name: string, make: () => Promise<RateLimitStoreUnderTest>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    let subject: RateLimitStoreUnderTest;
    // Keys of their own per test: parallel test files share the Redis server.
    const key = (label: string) => `${label}:${randomBytes(6).toString('hex')}`;
    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('allows the whole allowance at once, counting down, then refuses until the window ends', async () => {
      const client = key('ip');
      const states = [];
      for (let i = 0; i < 4; i++) states.push(await subject.first.consume(client, 3));
      expect(states.map((state) => [state.allowed, state.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      for (const state of states) {
        expect(state.resetSeconds).toBeGreaterThanOrEqual(1);
        expect(state.resetSeconds).toBeLessThanOrEqual(RATE_LIMIT_WINDOW_SECONDS);
      }
      // A refusal counts too, and does not move the window's end later.
      const again = await subject.first.consume(client, 3);
      expect(again.allowed).toBe(false);
      expect(again.resetSeconds).toBeLessThanOrEqual(states[0]?.resetSeconds ?? 0);
    });

    it('keeps one count per key, and one per limit', async () => {
      const a = key('key');
      const b = key('key');
      expect((await subject.first.consume(a, 1)).allowed).toBe(true);
      expect((await subject.first.consume(a, 1)).allowed).toBe(false);
      expect((await subject.first.consume(b, 1)).allowed).toBe(true);
      // The same key under another limit is another count (a policy change never inherits an exhausted window).
      expect((await subject.first.consume(a, 2)).remaining).toBe(1);
    });

    it('shares one count between two handles on the same store', async () => {
      const client = key('ip');
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? subject.first : subject.second).consume(client, 6)),
      );
      expect(answers.filter((state) => state.allowed)).toHaveLength(6);
      expect(answers.filter((state) => !state.allowed)).toHaveLength(4);
      expect((await subject.second.consume(client, 6)).allowed).toBe(false);
    });

    it('takes odd keys as opaque text', async () => {
      for (const odd of ['', ' ', 'ip:::1', 'key:ü/..\\*?', 'x'.repeat(2048), '{hash}:tag', 'a\nb']) {
        const state = await subject.first.consume(`${odd}${key('')}`, 1);
        expect(state).toMatchObject({ allowed: true, remaining: 0 });
      }
    });
  });
}
