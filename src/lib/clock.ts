/**
 * Where time comes from, as milliseconds since the epoch. Code that schedules by time (the embedded queue's
 * backoffs and leases) takes a `Clock` so that tests can step time forward instead of sleeping through it.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
