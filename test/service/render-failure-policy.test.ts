import { describe, expect, it } from 'vitest';
import { type ErrorCode, retryableByHand, ThumbsmithError } from '../../src/domain/errors.js';
import { attemptsExhausted, isPastLastAttempt, renderFailureOutcome } from '../../src/service/render-failure-policy.js';

const failed = (code: ErrorCode, attempt: number, maxAttempts = 3) =>
  renderFailureOutcome({ error: new ThumbsmithError(code, `detail of ${code}`), attempt, maxAttempts });

describe('the render job failure policy', () => {
  it('fails the image at once for its own fault, whatever the attempt', () => {
    for (const code of ['TS_IMAGE_CORRUPT', 'TS_RENDER_TIMEOUT', 'TS_RENDER_MEMORY', 'TS_RENDER_CRASHED'] as const) {
      for (const attempt of [1, 3]) {
        expect(failed(code, attempt)).toEqual({
          kind: 'permanent',
          record: { code, message: `detail of ${code}` },
        });
      }
    }
  });

  it('retries a transient error while attempts are left, recording it', () => {
    for (const code of ['TS_INTERNAL', 'TS_RENDER_INTERRUPTED', 'TS_DATABASE_UNAVAILABLE'] as const) {
      expect(failed(code, 2)).toEqual({ kind: 'retry', record: { code, message: `detail of ${code}` } });
    }
  });

  it('leaves an outage on the last attempt to the sweeper instead of failing the image', () => {
    const outages = [
      'TS_DATABASE_UNAVAILABLE',
      'TS_STORAGE_FULL',
      'TS_STORAGE_UNAVAILABLE',
      'TS_QUEUE_UNAVAILABLE',
      'TS_SHUTTING_DOWN',
    ] as const;
    for (const code of outages) {
      expect(failed(code, 3)).toEqual({ kind: 'outage', record: { code, message: `detail of ${code}` } });
    }
  });

  it('fails a transient error of the image on the last attempt with TS_ATTEMPTS_EXHAUSTED naming it', () => {
    expect(failed('TS_RENDER_INTERRUPTED', 3)).toEqual({
      kind: 'exhausted',
      record: {
        code: 'TS_ATTEMPTS_EXHAUSTED',
        message: 'Every attempt failed; last: TS_RENDER_INTERRUPTED: detail of TS_RENDER_INTERRUPTED',
      },
    });
    // A delivery past the budget (lease expiries) is treated as the last one.
    expect(failed('TS_INTERNAL', 4).kind).toBe('exhausted');
    expect(failed('TS_INTERNAL', 1, 1).kind).toBe('exhausted');
  });

  it('knows a delivery past the last attempt, and says so when no error was recorded', () => {
    expect([isPastLastAttempt(2, 3), isPastLastAttempt(3, 3), isPastLastAttempt(4, 3)]).toEqual([false, false, true]);
    expect(attemptsExhausted(null)).toEqual({
      code: 'TS_ATTEMPTS_EXHAUSTED',
      message: 'Every attempt failed; last: the worker stopped before finishing',
    });
  });

  it("tells a retry by hand can help a transient failure or one whose attempts ran out, never the image's own", () => {
    expect(retryableByHand('TS_ATTEMPTS_EXHAUSTED')).toBe(true);
    expect(retryableByHand('TS_STORAGE_UNAVAILABLE')).toBe(true);
    expect(retryableByHand('TS_FETCH_UPSTREAM_SERVER_ERROR')).toBe(true);
    for (const code of ['TS_IMAGE_CORRUPT', 'TS_RENDER_TIMEOUT', 'TS_FETCH_UPSTREAM_CLIENT_ERROR'] as const) {
      expect(retryableByHand(code)).toBe(false);
    }
  });
});
