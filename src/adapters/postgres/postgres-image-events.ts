import pg from 'pg';
import { IMAGE_STATUSES } from '../../domain/image.js';
import type {
  ImageEvent,
  ImageEventListener,
  ImageEventRetention,
  ImageEvents,
  ImageSubscription,
  NewImageEvent,
  SubscribeOptions,
} from '../../ports/image-events.js';
import { createPostgresPool } from './postgres-pool.js';

export interface PostgresImageEventsOptions extends ImageEventRetention {
  /** `postgres://…` (the queue's database: the events travel with the queue). */
  url: string;
  /** The schema of the tables (`QUEUE_PREFIX`, beside BullMQ's); one per deployment sharing a database. */
  schema: string;
  /** At most this many rows are deleted by one publish, so a backlog is trimmed over several. @defaultValue 1000 */
  trimBatch?: number;
  /** Errors the transport survives (a lost LISTEN connection is made again and catches up by id). @defaultValue ignore */
  onError?: (error: unknown) => void;
}

/**
 * ImageEvents on PostgreSQL (the Redis-free scale-out): a publish inserts a row into `<schema>.image_events` and
 * sends `NOTIFY image_events` in the same transaction; each process holds one LISTEN connection that, on a
 * notification for its schema, reads the rows after the last one it delivered, so merged or lost notifications (a
 * reconnect) lose no event. Retention is enforced on publish (and before a resume), at most `trimBatch` rows at a time.
 *
 * The tables are made by the adapter (`create … if not exists`, like BullMQ's beside them), not by the metadata
 * migrations: they live in the queue's database and schema, which need not be the metadata's. Ids are `<table oid>.<row id>`: a table made again (dropped, a
 * restored database) has another oid, so an id from before is unknown rather than compared with a restarted sequence.
 *
 * Publishes take one transaction-level advisory lock before inserting, so rows become visible in id order: a reader
 * that has seen id n will never later see a smaller one commit. That serialises publishes across the deployment
 * (a few per image; cheap next to rendering).
 */
export function createPostgresImageEvents(options: PostgresImageEventsOptions): ImageEvents {
  return new PostgresImageEvents(options);
}

const CHANNEL = 'image_events';
/** The LISTEN connection's `application_name`, to find it in `pg_stat_activity`. */
export const LISTENER_NAME = 'thumbsmith image events';
const KINDS: ReadonlySet<string> = new Set<string>([...IMAGE_STATUSES, 'deleted']);
// A positive oid (uint32) and a positive bigserial; anything longer cannot be one of ours.
const ID = /^([1-9][0-9]{0,9})\.([1-9][0-9]{0,18})$/;
const READ_BATCH = 1000;
const RECONNECT_MS = { first: 250, max: 5000 };

/** The SQL of one deployment's tables, in its schema (`QUEUE_PREFIX`, beside BullMQ's). */
function statements(schema: string) {
  const events = `${pg.escapeIdentifier(schema)}.image_events`;
  const trimmed = `${pg.escapeIdentifier(schema)}.image_events_trimmed`;
  const lock = (purpose: string) =>
    `select pg_advisory_xact_lock(hashtext(${pg.escapeLiteral(`${schema}.image_events.${purpose}`)}))`;
  return {
    events,
    /** Made under a lock: `create … if not exists` alone races between processes starting at once. */
    schema: `begin;
      ${lock('schema')};
      create schema if not exists ${pg.escapeIdentifier(schema)};
      create table if not exists ${events} (
        id bigserial primary key,
        tenant text not null,
        image_id text not null,
        kind text not null,
        at text not null,
        published_at timestamptz not null default now()
      );
      create index if not exists image_events_published_at on ${events} (published_at);
      create table if not exists ${trimmed} (
        only_row boolean primary key default true check (only_row),
        up_to bigint not null
      );
      insert into ${trimmed} (up_to) values (0) on conflict do nothing;
      commit;`,
    /** Held until commit: ids are then given (and become visible) in commit order. */
    publishLock: lock('publish'),
    /** Notifies with the schema as payload, so deployments sharing a database ignore each other's. */
    insert: `with inserted as (insert into ${events} (tenant, image_id, kind, at) values ($1, $2, $3, $4) returning id)
      select id::text as id, pg_notify('${CHANNEL}', ${pg.escapeLiteral(schema)}) from inserted`,
    /**
     * Deletes what is outside the retention (both bounds, at most $3 rows) and raises the trimmed watermark. The count
     * bound is on ids (cheap on every publish): ids are dense under the publish lock, and a gap (a rolled-back insert)
     * only keeps fewer.
     */
    trim: `with doomed as (
        select id from ${events}
        where published_at < now() - make_interval(secs => $1::double precision / 1000)
           or id <= (select max(id) from ${events}) - $2
        order by id
        limit $3
      ), dropped as (
        delete from ${events} where id in (select id from doomed) returning id
      )
      update ${trimmed} set up_to = greatest(up_to, (select max(id) from dropped))
      where exists (select 1 from dropped)`,
    /** The highest id trimmed, and the newest id given (which may itself be trimmed). */
    bounds: `select up_to::text as trimmed, greatest(up_to, (select coalesce(max(id), 0) from ${events}))::text as newest
      from ${trimmed}`,
    newest: `select coalesce(max(id), 0)::text as newest from ${events}`,
    /** A batch of rows after $1, oldest first (ordered by the column: `id` alone would sort the text alias). */
    rowsAfter: `select id::text as id, tenant, image_id, kind, at from ${events}
      where id > $1 order by ${events}.id limit ${READ_BATCH}`,
  };
}

interface Row {
  id: string;
  tenant: string;
  image_id: string;
  kind: string;
  at: string;
}

/** A subscription: live events wait in `pending` until its replay has been delivered. */
interface Subscriber {
  readonly listener: ImageEventListener;
  /** Only rows after this id are delivered (the last replayed one), so the seam has no duplicate. */
  after: bigint;
  pending: ImageEvent[] | undefined;
}

class PostgresImageEvents implements ImageEvents {
  readonly #options: PostgresImageEventsOptions;
  readonly #pool: pg.Pool;
  readonly #sql: ReturnType<typeof statements>;
  readonly #subscribers = new Set<Subscriber>();
  #schema: Promise<string> | undefined;
  #listening: Promise<void> | undefined;
  #listener: pg.Client | undefined;
  /** The last row id read by the LISTEN side; every later row is fanned out. */
  #position = 0n;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #reconnectDelay = RECONNECT_MS.first;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: PostgresImageEventsOptions) {
    this.#options = options;
    this.#sql = statements(options.schema);
    // Publishes run one at a time anyway (the lock); room for one beside them and for the LISTEN side's reads.
    this.#pool = createPostgresPool({ url: options.url, maxConnections: 3 }, (error) => this.#onError(error));
  }

  async publish(event: NewImageEvent): Promise<ImageEvent> {
    this.#assertOpen();
    const epoch = await this.#ensureSchema();
    const client = await this.#pool.connect();
    try {
      await client.query('begin');
      await client.query(this.#sql.publishLock);
      const { rows } = await client.query<{ id: string }>(this.#sql.insert, [
        event.tenant,
        event.imageId,
        event.kind,
        event.at,
      ]);
      await this.#trim(client);
      await client.query('commit');
      const id = (rows[0] as { id: string }).id;
      return Object.freeze({
        tenant: event.tenant,
        imageId: event.imageId,
        kind: event.kind,
        at: event.at,
        id: `${epoch}.${id}`,
      });
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async subscribe(listener: ImageEventListener, options: SubscribeOptions = {}): Promise<ImageSubscription> {
    this.#assertOpen();
    await this.#ensureListening();
    const epoch = await this.#ensureSchema();
    // Wrapped so that the same function subscribed twice is two subscriptions.
    const subscriber: Subscriber = { listener: (event) => listener(event), after: this.#position, pending: undefined };
    const unsubscribe = () => {
      this.#subscribers.delete(subscriber);
    };
    const after = options.after === undefined ? undefined : parseId(options.after, epoch);
    if (after === undefined) {
      this.#subscribers.add(subscriber);
      return { unsubscribe, resumed: options.after === undefined };
    }
    // Registered first, holding what the reader brings meanwhile: every row is then either in the replay read below
    // or read by the listener afterwards, and the ids drop what is in both.
    subscriber.pending = [];
    subscriber.after = after;
    this.#subscribers.add(subscriber);
    try {
      const replay = await this.#retainedAfter(after, epoch);
      if (replay === undefined) {
        subscriber.after = this.#position;
        this.#flush(subscriber);
        return { unsubscribe, resumed: false };
      }
      for (const event of replay) {
        if (this.#subscribers.has(subscriber)) call(subscriber.listener, event);
        subscriber.after = rowId(event.id);
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
      clearTimeout(this.#reconnectTimer);
      const listener = this.#listener;
      this.#listener = undefined;
      await listener?.end().catch(() => {});
      await this.#reading?.catch(() => {});
      await this.#pool.end();
    })();
    return this.#closed;
  }

  /** The table's oid (the ids' epoch), once the tables exist. */
  #ensureSchema(): Promise<string> {
    this.#schema ??= (async () => {
      const client = await this.#pool.connect();
      try {
        await client.query(this.#sql.schema);
        const { rows } = await client.query<{ oid: string }>('select $1::regclass::oid::text as oid', [
          this.#sql.events,
        ]);
        return (rows[0] as { oid: string }).oid;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      // Let the next call try again instead of remembering the failure forever.
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }

  /**
   * The retained rows after `after`, or undefined when some after it were trimmed or the id is past the newest row
   * (a table made again since, or an id never given). Trimmed first, so an id that is too old by now says so.
   */
  async #retainedAfter(after: bigint, epoch: string): Promise<ImageEvent[] | undefined> {
    await this.#trim(this.#pool);
    const client = await this.#pool.connect();
    try {
      // One snapshot: no trim or publish falls between the bounds and the rows.
      await client.query('begin isolation level repeatable read read only');
      const bounds = await client.query<{ trimmed: string; newest: string }>(this.#sql.bounds);
      const { trimmed, newest } = bounds.rows[0] as { trimmed: string; newest: string };
      if (after < BigInt(trimmed) || after > BigInt(newest)) {
        await client.query('commit');
        return undefined;
      }
      const events: ImageEvent[] = [];
      for (let from = after; ; ) {
        const { rows } = await client.query<Row>(this.#sql.rowsAfter, [from.toString()]);
        for (const row of rows) events.push(...this.#toEvents(row, epoch));
        if (rows.length < READ_BATCH) break;
        from = BigInt((rows.at(-1) as Row).id);
      }
      await client.query('commit');
      return events;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * One LISTEN connection per process, made on first subscribe (a worker that only publishes needs none). Resolves
   * once the starting point (the newest row now) is known: every later row reaches the listeners.
   */
  #ensureListening(): Promise<void> {
    this.#listening ??= this.#listen(true).catch((error: unknown) => {
      this.#listening = undefined;
      throw error;
    });
    return this.#listening;
  }

  /** Connects and LISTENs; on the first connection starts at the newest row, on a later one catches up from where it was. */
  async #listen(first: boolean): Promise<void> {
    await this.#ensureSchema();
    const client = new pg.Client({ connectionString: this.#options.url, application_name: LISTENER_NAME });
    client.on('error', (error) => this.#onError(error));
    client.on('notification', ({ payload }) => {
      if (payload === this.#options.schema) this.#read();
    });
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      if (first) {
        const { rows } = await client.query<{ newest: string }>(this.#sql.newest);
        this.#position = BigInt((rows[0] as { newest: string }).newest);
      }
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#listener = client;
    this.#reconnectDelay = RECONNECT_MS.first;
    // Whatever was published while no connection listened.
    if (!first) this.#read();
  }

  /** The LISTEN connection ended (Postgres restarted, a network cut): make it again, backing off, until closed. */
  #lost(client: pg.Client): void {
    if (this.#listener !== client || this.#closed) return;
    this.#listener = undefined;
    const retry = () => {
      this.#reconnectTimer = setTimeout(() => {
        if (this.#closed) return;
        this.#listen(false).catch((error: unknown) => {
          this.#onError(error);
          this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, RECONNECT_MS.max);
          retry();
        });
      }, this.#reconnectDelay);
      this.#reconnectTimer.unref();
    };
    retry();
  }

  /** Reads every row after the position and fans it out; one read at a time, again if notified meanwhile. */
  #read(): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = (async () => {
      do {
        this.#readAgain = false;
        try {
          const epoch = await this.#ensureSchema();
          for (;;) {
            const { rows } = await this.#pool.query<Row>(this.#sql.rowsAfter, [this.#position.toString()]);
            for (const row of rows) {
              this.#position = BigInt(row.id);
              for (const event of this.#toEvents(row, epoch))
                for (const subscriber of [...this.#subscribers]) this.#deliver(subscriber, event);
            }
            if (rows.length < READ_BATCH || this.#closed) break;
          }
        } catch (error) {
          // The next notification (or the reconnect's catch-up) reads from the same position.
          if (!this.#closed) this.#onError(error);
        }
      } while (this.#readAgain && !this.#closed);
    })().finally(() => {
      this.#reading = undefined;
    });
  }

  async #trim(on: pg.Pool | pg.PoolClient): Promise<void> {
    const { retentionMs, maxCount, trimBatch = 1000 } = this.#options;
    await on.query(this.#sql.trim, [retentionMs, maxCount, trimBatch]);
  }

  #toEvents(row: Row, epoch: string): ImageEvent[] {
    if (!KINDS.has(row.kind)) return [];
    return [
      Object.freeze({
        id: `${epoch}.${row.id}`,
        tenant: row.tenant,
        imageId: row.image_id,
        kind: row.kind as ImageEvent['kind'],
        at: row.at,
      }),
    ];
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
    const id = rowId(event.id);
    if (id <= subscriber.after) return;
    subscriber.after = id;
    call(subscriber.listener, event);
  }

  #onError(error: unknown): void {
    this.#options.onError?.(error);
  }

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

/** The row id of an id this table made, else undefined. */
function parseId(text: string, epoch: string): bigint | undefined {
  const match = ID.exec(text);
  if (!match || match[1] !== epoch) return undefined;
  return BigInt(match[2] as string);
}

/** The row id of an event this adapter made. */
function rowId(id: string): bigint {
  return BigInt(id.slice(id.indexOf('.') + 1));
}
