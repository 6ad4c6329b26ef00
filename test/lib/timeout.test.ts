import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { settleWithin, withDeadline, withTimeout } from '../../src/lib/timeout.js';

const never = () => new Promise<never>(() => {});
const later = <T>(ms: number, value: T) => sleep(ms).then(() => value);
const failLater = (ms: number, message: string) =>
  sleep(ms).then(() => {
    throw new Error(message);
  });

describe('settleWithin', () => {
  it('is true when the promise resolves or rejects in time', async () => {
    await expect(settleWithin(later(5, 'x'), 500)).resolves.toBe(true);
    await expect(settleWithin(failLater(5, 'no'), 500)).resolves.toBe(true);
  });

  it('is false when the time runs out first', async () => {
    await expect(settleWithin(never(), 10)).resolves.toBe(false);
  });
});

describe('withTimeout', () => {
  it("settles with the work's value or error when it comes in time", async () => {
    await expect(withTimeout(later(5, 42), 500, () => new Error('late'))).resolves.toBe(42);
    await expect(withTimeout(failLater(5, 'broken'), 500, () => new Error('late'))).rejects.toThrow('broken');
  });

  it("rejects with onTimeout's error when the time runs out, and swallows the work's late rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(withTimeout(failLater(30, 'too late'), 5, () => new Error('timed out'))).rejects.toThrow(
        'timed out',
      );
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('withDeadline', () => {
  it('without a stop waits for the work', async () => {
    await expect(withDeadline(later(5, 'x'), {})).resolves.toBe('x');
  });

  it("rejects with the abort's error when the signal aborts first", async () => {
    const controller = new AbortController();
    const raced = withDeadline(never(), {
      timeout: { ms: 1_000, error: () => new Error('timed out') },
      abort: { signal: controller.signal, error: () => new Error('cancelled') },
    });
    controller.abort();
    await expect(raced).rejects.toThrow('cancelled');
  });

  it("rejects with the timeout's error when the time runs out first", async () => {
    const controller = new AbortController();
    const raced = withDeadline(never(), {
      timeout: { ms: 5, error: () => new Error('timed out') },
      abort: { signal: controller.signal, error: () => new Error('cancelled') },
    });
    await expect(raced).rejects.toThrow('timed out');
  });

  it('stops listening to the signal once the work settles', async () => {
    const controller = new AbortController();
    let listening = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listening++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listening--;
      remove(...args);
    }) as typeof remove;
    await withDeadline(later(5, 'x'), { abort: { signal, error: () => new Error('cancelled') } });
    expect(listening).toBe(0);
  });
});
