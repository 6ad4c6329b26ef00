import { describe, expect, it } from 'vitest';
import { backoffDelay, createRetryPolicy } from '../../src/domain/backoff.js';
import { ThumbsmithError } from '../../src/domain/errors.js';

// The queue's retry backoff (src/domain/backoff.ts); it lives here with the queue tests it serves.
describe('backoffDelay (exponential, equal jitter)', () => {
  const options = { baseMs: 100, maxMs: 1_000 };

  it('doubles the ceiling per attempt and waits between half of it and all of it', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, options, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, options, () => 0.999999))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(2, options, () => 0.5)).toBe(150);
  });

  it('caps the ceiling at maxMs, even for absurd attempt numbers', () => {
    expect(backoffDelay(5, options, () => 0)).toBe(500);
    expect(backoffDelay(5, options, () => 0.999999)).toBe(1_000);
    expect(backoffDelay(10_000, options, () => 0.999999)).toBe(1_000);
    expect(backoffDelay(0, options, () => 0)).toBe(50);
  });

  it('spreads delays with Math.random by default', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, options)));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});

describe('createRetryPolicy', () => {
  it('builds the port policy from the jobs configuration', () => {
    const policy = createRetryPolicy(
      { maxAttempts: 5, backoffMs: 1_000, backoffMaxMs: 60_000, leaseMs: 30_000 },
      () => 0,
    );
    expect(policy.maxAttempts).toBe(5);
    expect(policy.leaseMs).toBe(30_000);
    expect([1, 2, 3, 8].map((attempt) => policy.backoffMs(attempt))).toEqual([500, 1_000, 2_000, 30_000]);
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('rejects values that make no policy, naming the field', () => {
    const valid = { maxAttempts: 3, backoffMs: 100, backoffMaxMs: 1_000, leaseMs: 1_000 };
    expect(() => createRetryPolicy({ ...valid, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => createRetryPolicy({ ...valid, leaseMs: 1.5 })).toThrow(/leaseMs/);
    expect(() => createRetryPolicy({ ...valid, backoffMaxMs: 50 })).toThrow(ThumbsmithError);
  });
});
