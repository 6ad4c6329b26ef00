import { type Api, ApiError } from './api.js';
import { KeyRefused } from './auth.js';
import type { ImageStore } from './store.js';
import { type ImageJson, isFinal } from './types.js';

export type LiveMode = 'connecting' | 'live' | 'polling' | 'offline';

interface Watch {
  delayMs: number;
  nextPollAt: number;
  status: string;
}

const POLL_FIRST_MS = 500;
const POLL_MAX_MS = 5000;
const POLL_WHILE_LIVE_MS = 15_000;
const POLLS_IN_FLIGHT = 4;
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/** Splits a text/event-stream into events (WHATWG HTML §9.2 field rules; comments and retry ignored). */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id') id = value;
        }
        newline = buffer.search(/\r\n|\r|\n/);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Keeps watched images up to date until they are `done` or `failed`: through the server-sent event stream of all
 * images when the server has one (`GET /v1/events`), else by polling each image with a growing delay. While the
 * stream is live a slow poll still runs, so an event lost in a reconnect cannot leave a card spinning.
 */
export class LiveUpdates {
  readonly #api: Api;
  readonly #store: ImageStore;
  readonly #onMode: (mode: LiveMode) => void;
  readonly #onNew: (image: ImageJson) => void;
  readonly #onReset: () => void;
  readonly #watched = new Map<string, Watch>();
  #mode: LiveMode = 'connecting';
  #inFlight = 0;
  #lastEventId: string | null = null;
  #timer: number | undefined;
  #streaming = false;

  /**
   * `onNew`: an image this page had not seen appeared on the stream (uploaded elsewhere). `onReset`: the server could
   * not resume after the last event seen (away too long, or it restarted), so changes may have been missed: re-read.
   */
  constructor(
    api: Api,
    store: ImageStore,
    callbacks: { onMode: (mode: LiveMode) => void; onNew: (image: ImageJson) => void; onReset: () => void },
  ) {
    this.#api = api;
    this.#store = store;
    this.#onMode = callbacks.onMode;
    this.#onNew = callbacks.onNew;
    this.#onReset = callbacks.onReset;
    store.subscribe((event) => {
      if (event.type === 'remove') this.#watched.delete(event.id);
      else this.#observe(event.image);
    });
  }

  get mode(): LiveMode {
    return this.#mode;
  }

  start(): void {
    this.reconnect();
    this.#timer ??= window.setInterval(() => this.#pollDue(), 250);
  }

  /** (Re)opens the event stream unless it is open; called again after an API key is given. */
  reconnect(): void {
    if (this.#streaming) return;
    this.#streaming = true;
    void this.#stream().finally(() => {
      this.#streaming = false;
    });
  }

  stop(): void {
    window.clearInterval(this.#timer);
  }

  /** Follows an image until it reaches a final state. */
  watch(image: ImageJson): void {
    if (isFinal(image.status)) return;
    const existing = this.#watched.get(image.id);
    if (existing) return;
    this.#watched.set(image.id, {
      delayMs: POLL_FIRST_MS,
      nextPollAt: Date.now() + this.#firstDelay(),
      status: image.status,
    });
  }

  #firstDelay(): number {
    return this.#mode === 'live' ? POLL_WHILE_LIVE_MS : POLL_FIRST_MS;
  }

  #observe(image: ImageJson): void {
    const watch = this.#watched.get(image.id);
    if (!watch) return;
    if (isFinal(image.status)) {
      this.#watched.delete(image.id);
      return;
    }
    if (watch.status !== image.status) {
      // Progress: look again soon.
      watch.status = image.status;
      watch.delayMs = POLL_FIRST_MS;
      watch.nextPollAt = Date.now() + this.#firstDelay();
    }
  }

  #setMode(mode: LiveMode): void {
    if (this.#mode === mode) return;
    this.#mode = mode;
    this.#onMode(mode);
  }

  async #stream(): Promise<void> {
    let delay = RECONNECT_FIRST_MS;
    for (;;) {
      const controller = new AbortController();
      try {
        const response = await this.#api.events(controller.signal, this.#lastEventId);
        if (response.status === 404 || response.status === 405) {
          await response.body?.cancel();
          this.#setMode('polling');
          return;
        }
        if (
          !response.ok ||
          !response.body ||
          !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')
        ) {
          await response.body?.cancel();
          throw new ApiError(response.status);
        }
        this.#setMode('live');
        delay = RECONNECT_FIRST_MS;
        this.#refreshWatched();
        for await (const event of readEvents(response.body)) {
          // An empty `id:` (sent with `reset`) forgets the id: the next reconnect starts afresh.
          if (event.id !== null) this.#lastEventId = event.id || null;
          if (event.event === 'reset') {
            this.#refreshWatched();
            this.#onReset();
            continue;
          }
          if (event.event === 'deleted') {
            const { id } = JSON.parse(event.data) as { id?: unknown };
            if (typeof id === 'string' && this.#store.get(id)) this.#store.remove(id);
            continue;
          }
          if (event.event !== 'image') continue;
          let image: ImageJson;
          try {
            image = JSON.parse(event.data) as ImageJson;
          } catch {
            continue; // A malformed event is skipped; the slow poll covers it.
          }
          const known = this.#store.get(image.id) !== undefined;
          this.#store.set(image);
          if (!known && this.#store.get(image.id)) this.#onNew(image);
        }
      } catch (error) {
        if (error instanceof KeyRefused) {
          this.#setMode('polling');
          return;
        }
        this.#setMode(error instanceof ApiError && error.status === 0 ? 'offline' : 'polling');
      } finally {
        controller.abort();
      }
      // Stream ended (server restart, proxy timeout): poll meanwhile, then reconnect with a growing delay.
      if (this.#mode === 'live') this.#setMode('polling');
      this.#refreshWatched();
      await new Promise((resolve) => window.setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  }

  /** Everything watched is due now (after a (re)connect events may have been missed). */
  #refreshWatched(): void {
    const now = Date.now();
    for (const watch of this.#watched.values()) {
      watch.nextPollAt = now;
      watch.delayMs = POLL_FIRST_MS;
    }
  }

  #pollDue(): void {
    const now = Date.now();
    for (const [id, watch] of this.#watched) {
      if (this.#inFlight >= POLLS_IN_FLIGHT) return;
      if (watch.nextPollAt > now) continue;
      const live = this.#mode === 'live';
      watch.delayMs = live ? POLL_WHILE_LIVE_MS : Math.min(watch.delayMs * 1.6, POLL_MAX_MS);
      watch.nextPollAt = Number.POSITIVE_INFINITY; // until this poll answers
      this.#inFlight++;
      this.#api
        .getImage(id)
        .then(
          (image) => this.#store.set(image),
          (error: unknown) => {
            if (error instanceof ApiError && error.status === 404) this.#store.remove(id);
          },
        )
        .finally(() => {
          this.#inFlight--;
          const current = this.#watched.get(id);
          if (current && current.nextPollAt === Number.POSITIVE_INFINITY)
            current.nextPollAt = Date.now() + current.delayMs;
        });
    }
  }
}
