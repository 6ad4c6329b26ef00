import { Redis } from 'ioredis';
import { IMAGE_STATUSES } from '../../domain/image.js';
import { settleWithin, withTimeout } from '../../lib/timeout.js';
import type {
  ImageEvent,
  ImageEventListener,
  ImageEventRetention,
  ImageEvents,
  ImageSubscription,
  NewImageEvent,
  SubscribeOptions,
} from '../../ports/image-events.js';

export interface RedisImageEventsOptions extends ImageEventRetention {
  /** `redis://…` */
  url: string;
  /** The stream's key; one per deployment sharing a Redis (e.g. `<QUEUE_PREFIX>:image-events`). */
  key: string;
  /** Bound on a publish while Redis is slow or away. @defaultValue 2000 */
  publishTimeoutMs?: number;
  /** How long one blocking read waits for new entries before it is sent again. @defaultValue 5000 */
  blockMs?: number;
  /** Connection errors ioredis survives (it reconnects on its own; the reader resumes where it was). @defaultValue ignore */
  onError?: (error: unknown) => void;
}

/**
 * ImageEvents on a Redis stream (scale-out): every process appends with XADD, trimmed exactly to the retention (count
 * and age; exact trimming costs more than `~` but keeps the window what the configuration says), and the stream's ids (`<ms>-<n>`, ordered
 * across processes) are the event ids. Each process holds one reader connection whose XREAD BLOCK loop fans new
 * entries out to its in-process listeners; a resume reads the retained entries with XRANGE first.
 */
export function createRedisImageEvents(options: RedisImageEventsOptions): ImageEvents {
  return new RedisImageEvents(options);
}

const KINDS: ReadonlySet<string> = new Set<string>([...IMAGE_STATUSES, 'deleted']);
// Both parts are 64-bit unsigned in Redis; longer text cannot be one of its ids.
const STREAM_ID = /^([0-9]{1,20})-([0-9]{1,20})$/;
const MAX_PART = 2n ** 64n - 1n;
const FIELD = 'event';
const RETRY_READ_MS = 500;

type StreamId = readonly [bigint, bigint];
type Entry = [id: string, fields: string[]];

/** A subscription: live entries wait in `pending` until its replay has been delivered. */
interface Subscriber {
  readonly listener: ImageEventListener;
  /** Only entries after this id are delivered (the last replayed one), so the seam has no duplicate. */
  after: StreamId | undefined;
  pending: ImageEvent[] | undefined;
}

class RedisImageEvents implements ImageEvents {
  readonly #options: RedisImageEventsOptions;
  readonly #publisher: Redis;
  readonly #subscribers = new Set<Subscriber>();
  #reader: Redis | undefined;
  #reading: Promise<void> | undefined;
  #connected: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  /** The id the reader loop reads after. */
  #position = '0-0';

  constructor(options: RedisImageEventsOptions) {
    this.#options = options;
    // Fail fast while disconnected instead of queueing publishes until Redis is back.
    this.#publisher = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    this.#publisher.on('error', this.#onError);
  }

  async publish(event: NewImageEvent): Promise<ImageEvent> {
    this.#assertOpen();
    // Every publish waits for the first connection: without an offline queue, one sent while it is still opening
    // would be refused ("Stream isn't writeable") and the event lost.
    await this.#connect();
    const { key, maxCount, retentionMs } = this.#options;
    const fields = { tenant: event.tenant, imageId: event.imageId, kind: event.kind, at: event.at };
    const timeoutMs = this.#options.publishTimeoutMs ?? 2000;
    const results = await withTimeout(
      this.#publisher
        .multi()
        .xadd(key, 'MAXLEN', maxCount, '*', FIELD, JSON.stringify(fields))
        .xtrim(key, 'MINID', Date.now() - retentionMs)
        .exec(),
      timeoutMs,
      () => new Error(`Redis publish took longer than ${timeoutMs} ms`),
    );
    const [added] = results ?? [];
    if (!added || added[0] || typeof added[1] !== 'string') throw added?.[0] ?? new Error('XADD gave no id');
    return Object.freeze({ ...fields, id: added[1] });
  }

  async subscribe(listener: ImageEventListener, options: SubscribeOptions = {}): Promise<ImageSubscription> {
    this.#assertOpen();
    await this.#ensureReading();
    // Wrapped so that the same function subscribed twice is two subscriptions.
    const subscriber: Subscriber = { listener: (event) => listener(event), after: undefined, pending: undefined };
    const unsubscribe = () => {
      this.#subscribers.delete(subscriber);
    };
    if (options.after === undefined) {
      this.#subscribers.add(subscriber);
      return { unsubscribe, resumed: true };
    }
    const after = parseId(options.after);
    if (!after) {
      this.#subscribers.add(subscriber);
      return { unsubscribe, resumed: false };
    }
    // Registered first, holding what the reader brings meanwhile: every entry is then either in the range read below
    // (added before it) or read by the loop (added after), and the ids drop what is in both.
    subscriber.pending = [];
    subscriber.after = after;
    this.#subscribers.add(subscriber);
    try {
      const replay = await this.#retainedAfter(options.after, after);
      if (replay === undefined) {
        subscriber.after = undefined;
        this.#flush(subscriber);
        return { unsubscribe, resumed: false };
      }
      for (const event of replay) {
        if (this.#subscribers.has(subscriber)) call(subscriber.listener, event);
        subscriber.after = parseId(event.id);
      }
      this.#flush(subscriber);
      return { unsubscribe, resumed: true };
    } catch (error) {
      unsubscribe();
      throw error;
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#subscribers.clear();
      // The reader is cut off: a polite QUIT would wait behind its blocking read.
      this.#reader?.disconnect();
      await quit(this.#publisher);
    })();
    return this.#closed;
  }

  /**
   * The retained events after `after`, or undefined when some after it are gone (trimmed) or the id is not one of
   * this stream's (past its last id: another Redis, or one emptied since). Read in one MULTI so that no trim falls
   * between the range and the stream's first entry.
   */
  async #retainedAfter(text: string, after: StreamId): Promise<ImageEvent[] | undefined> {
    // On the publishing connection: the reader's is taken by its blocking read.
    await this.#connect();
    const results = await this.#publisher
      .multi()
      .xrange(this.#options.key, `(${text}`, '+')
      .call('XINFO', 'STREAM', this.#options.key)
      .exec();
    const [range, info] = results ?? [];
    if (!range || range[0]) throw range?.[0] ?? new Error('XRANGE gave nothing');
    // No stream at all: whatever the id names is not here.
    if (!info || info[0]) return undefined;
    const fields = infoFields(info[1]);
    const last = parseId(String(fields.get('last-generated-id')));
    if (!last || compareIds(after, last) > 0) return undefined;
    // Trimming removes the oldest entries: none after `after` is gone when it is at or past the first one kept, or
    // is the newest of all (a stream made again after Redis lost it starts after any id from before). Redis does not say which ids it trimmed, so an `after` that was itself
    // the last one trimmed counts as too old too: a needless reset, never a silent gap.
    const firstEntry = fields.get('first-entry');
    const first = Array.isArray(firstEntry) ? parseId(String(firstEntry[0])) : undefined;
    const kept = compareIds(after, last) === 0 || (first !== undefined && compareIds(after, first) >= 0);
    if (!kept) return undefined;
    return (range[1] as Entry[]).flatMap((entry) => parseEntry(entry) ?? []);
  }

  #flush(subscriber: Subscriber): void {
    const pending = subscriber.pending ?? [];
    subscriber.pending = undefined;
    for (const event of pending) this.#deliver(subscriber, event);
  }

  #deliver(subscriber: Subscriber, event: ImageEvent): void {
    if (!this.#subscribers.has(subscriber)) return;
    if (subscriber.pending) {
      subscriber.pending.push(event);
      return;
    }
    if (subscriber.after) {
      const id = parseId(event.id) as StreamId;
      if (compareIds(id, subscriber.after) <= 0) return;
    }
    call(subscriber.listener, event);
  }

  #connect(): Promise<void> {
    this.#connected ??= this.#publisher.connect().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    return this.#connected;
  }

  /**
   * One reader connection per process, made on first use (an API process that never waits needs none). Resolves
   * once the loop's starting point (the stream's last id now) is known: every later entry reaches the listeners.
   */
  #ensureReading(): Promise<void> {
    if (this.#reading) return this.#reading;
    const reader = new Redis(this.#options.url, { maxRetriesPerRequest: null });
    reader.on('error', this.#onError);
    this.#reader = reader;
    const started = (async () => {
      const [newest] = (await reader.xrevrange(this.#options.key, '+', '-', 'COUNT', 1)) as Entry[];
      if (newest) this.#position = newest[0];
      void this.#readLoop(reader);
    })().catch((error: unknown) => {
      // Let the next subscribe try again instead of remembering the failure forever.
      this.#reading = undefined;
      this.#reader = undefined;
      reader.disconnect();
      throw error;
    });
    this.#reading = started;
    return started;
  }

  async #readLoop(reader: Redis): Promise<void> {
    const { key } = this.#options;
    while (!this.#closed) {
      try {
        const answer = (await reader.xread('BLOCK', this.#options.blockMs ?? 5000, 'STREAMS', key, this.#position)) as
          | [string, Entry[]][]
          | null;
        for (const entry of answer?.[0]?.[1] ?? []) {
          this.#position = entry[0];
          const event = parseEntry(entry);
          if (event) for (const subscriber of [...this.#subscribers]) this.#deliver(subscriber, event);
        }
      } catch (error) {
        if (this.#closed) return;
        this.#onError(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_READ_MS).unref());
      }
    }
  }

  readonly #onError = (error: unknown): void => {
    this.#options.onError?.(error);
  };

  #assertOpen(): void {
    if (this.#closed) throw new Error('The image event transport is closed');
  }
}

function call(listener: ImageEventListener, event: ImageEvent): void {
  try {
    listener(event);
  } catch {
    // One listener's failure is its own.
  }
}

function parseId(text: string): StreamId | undefined {
  const match = STREAM_ID.exec(text);
  if (!match) return undefined;
  const id: StreamId = [BigInt(match[1] as string), BigInt(match[2] as string)];
  return id[0] <= MAX_PART && id[1] <= MAX_PART ? id : undefined;
}

function compareIds(a: StreamId, b: StreamId): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

/** XINFO STREAM's flat [name, value, …] reply as a map. */
function infoFields(reply: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!Array.isArray(reply)) return fields;
  for (let index = 0; index + 1 < reply.length; index += 2) fields.set(String(reply[index]), reply[index + 1]);
  return fields;
}

/** An entry this adapter wrote, as an event; anything else in the stream is skipped. */
function parseEntry([id, fields]: Entry): ImageEvent | undefined {
  const index = fields.indexOf(FIELD);
  if (index < 0 || index % 2 !== 0) return undefined;
  try {
    const value = JSON.parse(fields[index + 1] ?? '') as Partial<ImageEvent>;
    if (
      typeof value.tenant === 'string' &&
      typeof value.imageId === 'string' &&
      typeof value.kind === 'string' &&
      KINDS.has(value.kind) &&
      typeof value.at === 'string'
    ) {
      return Object.freeze({ id, tenant: value.tenant, imageId: value.imageId, kind: value.kind, at: value.at });
    }
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await settleWithin(client.quit(), 1000);
  }
  client.disconnect();
}
