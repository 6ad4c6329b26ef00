import type { ImageStatus } from '../domain/image.js';

/** What happened to an image: a status it reached (including a `done` image whose variants changed), or deletion. */
export type ImageEventKind = ImageStatus | 'deleted';

/** One status change, as small as possible: receivers read the row (the truth) for everything else. */
export interface ImageEvent {
  /**
   * Given by the transport when the event is published (the SSE `id:`): unique, and ordered the way the events were
   * published on the transport. Opaque to clients; only the adapter that made it can read it (`after`).
   */
  readonly id: string;
  readonly tenant: string;
  readonly imageId: string;
  readonly kind: ImageEventKind;
  /** ISO 8601 time of the change. */
  readonly at: string;
}

/** An event before it is published: the transport gives it its id. */
export type NewImageEvent = Omit<ImageEvent, 'id'>;

export type ImageEventListener = (event: ImageEvent) => void;

/** How long the transport keeps published events for `subscribe({ after })`: both bounds apply. */
export interface ImageEventRetention {
  /** Events at least this old may be dropped. */
  readonly retentionMs: number;
  /** At most this many events are kept. */
  readonly maxCount: number;
}

export interface SubscribeOptions {
  /**
   * Resume after this event id (an SSE `Last-Event-ID`): every retained event published after it is delivered first,
   * in order, then the live ones, with no gap and no duplicate at the seam. Any text is accepted: an id this transport
   * did not make (garbage, another backend's, a Redis that was emptied) or one older than the retention counts as
   * not resumable (see {@link ImageSubscription.resumed}).
   */
  readonly after?: string;
}

export interface ImageSubscription {
  /** Stops deliveries to this subscription. Idempotent. */
  readonly unsubscribe: () => void;
  /**
   * False when `after` was given but the events after it are not all retained (or the id is unknown): the
   * subscription delivers live events only, and the caller should re-read the truth, as events may have been missed.
   * True without `after`.
   */
  readonly resumed: boolean;
}

/**
 * Status changes fanned out to every process of a deployment, so an API process learns at once what a worker in
 * another process did (waits, Server-Sent Events). Events get ordered ids and are retained for a bounded window
 * ({@link ImageEventRetention}), so a subscriber that lost its connection can resume after the last id it saw and
 * miss nothing within the window. Outside it (or while the transport itself is down) delivery is best effort: the
 * row stays the truth, and waiters re-read it periodically for that reason.
 */
export interface ImageEvents {
  /**
   * Gives the event its id, keeps it for the retention window and sends it to every subscriber of every process on
   * the same transport; resolves with the published event once handed over.
   */
  publish(event: NewImageEvent): Promise<ImageEvent>;
  /**
   * Calls `listener` for every event published after the returned promise resolves (from any process), in id order,
   * until `unsubscribe` is called; with `after`, first for every retained event after that id. A listener that throws
   * does not affect other listeners.
   */
  subscribe(listener: ImageEventListener, options?: SubscribeOptions): Promise<ImageSubscription>;
  /** Drops every subscription and releases connections. Idempotent. */
  close(): Promise<void>;
}
