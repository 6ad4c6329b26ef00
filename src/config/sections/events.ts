import { integer, scaled, type ValuesOf, variable } from '../variable.js';

/** How long status events are kept so that an event stream can resume after a dropped connection. */
export const EVENTS = {
  retentionMs: variable(
    'EVENTS_RETENTION_SECONDS',
    '300',
    scaled(1, 86_400, 1000),
    'Status events are kept this long so an event stream that reconnects with `Last-Event-ID` misses nothing; a client away longer gets `event: reset` and re-reads.',
  ),
  maxCount: variable(
    'EVENTS_RETENTION_COUNT',
    '10000',
    integer(10, 1_000_000),
    'At most this many recent status events are kept (of all tenants), whatever their age.',
  ),
};

export type EventsConfig = ValuesOf<typeof EVENTS>;
