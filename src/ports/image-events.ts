import type { ImageStatus } from '../domain/image.js';

/** What happened to an image: a status it reached (including a `done` image whose variants changed), or deletion. */
export type ImageEventKind = ImageStatus | 'deleted';

/** One status change, as small as possible: receivers read the row (the truth) for everything else. */
export interface ImageEvent {
  /** Unique per published event (the SSE `id:`). */
  readonly id: string;
  readonly tenant: string;
  readonly imageId: string;
  readonly kind: ImageEventKind;
  /** ISO 8601 time of the change. */
  readonly at: string;
}

export type ImageEventListener = (event: ImageEvent) => void;

/**
 * Status changes fanned out to every process of a deployment, so an API process learns at once what a worker in
 * another process did (waits, Server-Sent Events). Delivery is best effort and at most once: a subscriber that misses
 * an event still finds the truth in the row, and waiters re-read it periodically for that reason.
 */
export interface ImageEvents {
  /** Sends the event to every subscriber of every process on the same transport; resolves once handed over. */
  publish(event: ImageEvent): Promise<void>;
  /**
   * Calls `listener` for every event published after the returned promise resolves (from any process), until the
   * returned function is called. A listener that throws does not affect other listeners.
   */
  subscribe(listener: ImageEventListener): Promise<() => void>;
  /** Drops every subscription and releases connections. Idempotent. */
  close(): Promise<void>;
}
