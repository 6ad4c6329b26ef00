import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ThumbsmithError } from '../../domain/errors.js';
import type { ImageRecord } from '../../domain/image.js';
import type { Preset } from '../../domain/preset.js';
import type { ImageEvent } from '../../ports/image-events.js';
import { type ImageWatcher, isFinal } from '../../service/image-watch.js';
import { toImageView } from '../image-view.js';
import { answer, parameters, problems } from '../openapi.js';
import { EventStreamText, ImageIdParams } from '../schemas.js';

export interface ImageEventRoutesOptions {
  watcher: ImageWatcher;
  presets: readonly Preset[];
  publicUrl: string | undefined;
  /** Comment line sent this often so proxies keep idle streams open. @defaultValue 15000 */
  heartbeatMs?: number;
  /** A per-image stream re-reads its row this often besides listening for events. @defaultValue 2000 */
  recheckMs?: number;
}

/** The one answer of a stream; its errors (before it starts) are problem+json. */
const eventStream = (description: string) =>
  answer(description, { content: { 'text/event-stream': EventStreamText }, headers: ['EventStreamCacheControl'] });

const LastEventIdQuery = Type.Object({
  lastEventId: Type.Optional(
    Type.String({
      description:
        'The `Last-Event-ID` for clients that cannot send the header (EventSource polyfills); the header wins.',
    }),
  ),
});

/** A stream whose client reads slower than this many buffered bytes is ended: it resumes with `Last-Event-ID`. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Server-Sent Events of status changes, per image and per tenant. Each stream subscribes to the event transport
 * first and reads rows after, so no change between the two is lost; every event re-reads the row, so clients always
 * get the current state (possibly twice, never stale). The stream is an ordinary reply body: every header the hooks
 * set (CORS, request id, nosniff, rate limits) goes out with it.
 */
export const imageEventRoutes: FastifyPluginAsyncTypebox<ImageEventRoutesOptions> = async (app, options) => {
  const { watcher, presets, publicUrl } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const recheckMs = options.recheckMs ?? 2_000;
  const view = (image: ImageRecord) => toImageView(image, presets, publicUrl ?? '');
  const open = new Set<EventStream>();
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });
  const openStream = () => {
    const stream = new EventStream(heartbeatMs, () => open.delete(stream));
    // Tracked from the start: a client gone before the stream opens ends it (and untracks it) right away.
    open.add(stream);
    return stream;
  };

  app.get(
    '/images/:id/events',
    {
      schema: {
        summary: 'Follow one image (Server-Sent Events)',
        description:
          'Sends the image as it is now, then again on every change; the stream ends after `done` or `failed` ' +
          '(at once when it already is) or when the image is deleted. It starts with the current state, so a ' +
          'reconnect needs no `Last-Event-ID`; the states read rather than announced carry no `id:`.',
        operationId: 'streamImageEvents',
        tags: ['events'],
        params: ImageIdParams,
        response: { 200: eventStream('The image now and on every change, until it is final'), ...problems(404) },
      },
    },
    async (request, reply) => {
      const { tenant } = request;
      const { id } = request.params;
      await watcher.get(tenant, id); // 404 as problem+json, before the stream starts
      const stream = openStream();
      let lastSent = '';
      const send = async (eventId: string | undefined) => {
        try {
          const image = await watcher.get(tenant, id);
          // The same state twice (an event and a re-read) is sent once.
          const state = `${image.status}:${image.updatedAt.getTime()}`;
          if (state === lastSent) return;
          lastSent = state;
          stream.send(eventId, 'image', view(image));
          if (isFinal(image)) stream.end();
        } catch (error) {
          if (!(error instanceof ThumbsmithError && error.code === 'TS_NOT_FOUND')) request.log.warn({ err: error });
          stream.end();
        }
      };
      const { unsubscribe } = await watcher.watch(tenant, id, (event) =>
        stream.serially(async () => {
          if (event.kind === 'deleted') {
            stream.send(event.id, 'deleted', { id });
            stream.end();
            return;
          }
          await send(event.id);
        }),
      );
      // Events missed while the transport was away (and processes on one SQLite file without Redis share none):
      // re-read now and then.
      const recheck = setInterval(() => void stream.serially(() => send(undefined)), recheckMs);
      recheck.unref();
      stream.onEnd(() => {
        clearInterval(recheck);
        unsubscribe();
      });
      void stream.serially(() => send(undefined));
      return sendStream(reply, stream, false);
    },
  );

  app.get(
    '/events',
    {
      schema: {
        summary: "Follow all of the tenant's images (Server-Sent Events)",
        description:
          'Every change of every image of the caller, as it happens; the stream stays open. A reconnect with ' +
          '`Last-Event-ID` (or `?lastEventId=`) first gets every event after that id that is still retained ' +
          '(`EVENTS_RETENTION_SECONDS`, `EVENTS_RETENTION_COUNT`); when that is not possible (too old, unknown id) ' +
          'the stream starts with `event: reset`: events may have been missed, re-read the images.',
        operationId: 'streamEvents',
        tags: ['events'],
        querystring: LastEventIdQuery,
        ...parameters('LastEventId'),
        response: { 200: eventStream('Every change of every image of the caller, as it happens') },
      },
    },
    async (request, reply) => {
      const { tenant } = request;
      const stream = openStream();
      const after = lastEventId(request, request.query.lastEventId);
      const { unsubscribe, resumed } = await watcher.watch(
        tenant,
        undefined,
        (event: ImageEvent) =>
          stream.serially(async () => {
            if (event.kind === 'deleted') {
              stream.send(event.id, 'deleted', { id: event.imageId });
              return;
            }
            try {
              stream.send(event.id, 'image', view(await watcher.get(tenant, event.imageId)));
            } catch (error) {
              // Deleted since: its `deleted` event follows.
              if (!(error instanceof ThumbsmithError && error.code === 'TS_NOT_FOUND'))
                request.log.warn({ err: error });
            }
          }),
        after,
      );
      stream.onEnd(unsubscribe);
      return sendStream(reply, stream, after !== undefined && !resumed);
    },
  );
};

/** The `Last-Event-ID` header, else the query fallback; an empty one is none (the SSE spec's "no id"). */
function lastEventId(request: FastifyRequest, fromQuery: string | undefined): string | undefined {
  const header = request.headers['last-event-id'];
  const given = typeof header === 'string' ? header : fromQuery;
  return given === undefined || given === '' ? undefined : given;
}

/** The stream as the reply's body: it goes through fastify's onSend and keeps every header the hooks set. */
function sendStream(reply: FastifyReply, stream: EventStream, reset: boolean): FastifyReply {
  stream.start(reset);
  return (
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store, no-transform')
      // nginx buffers responses unless told not to.
      .header('x-accel-buffering', 'no')
      .send(stream.body)
  );
}

/** One `text/event-stream` body: ordered writes, heartbeats, one end. */
class EventStream {
  readonly body = new PassThrough();
  readonly #heartbeatMs: number;
  readonly #onEnd: Array<() => void> = [];
  // Work queued before start() waits for the opening lines.
  #started: () => void = () => {};
  #chain: Promise<void> = new Promise((resolve) => {
    this.#started = resolve;
  });
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(heartbeatMs: number, onEnd: () => void) {
    this.#heartbeatMs = heartbeatMs;
    this.#onEnd.push(onEnd);
    // Fastify destroys the body when the client goes away.
    this.body.on('close', () => this.end());
  }

  /** The opening lines (`reset` first when a resume was asked for and was not possible), then queued work. */
  start(reset: boolean): void {
    this.#write(': thumbsmith events\n\n');
    // The empty id makes the client forget the stale one it resumed from.
    if (reset) this.#write('id\nevent: reset\ndata: {}\n\n');
    this.#timer = setInterval(() => this.#write(': heartbeat\n\n'), this.#heartbeatMs);
    this.#timer.unref();
    this.#started();
  }

  /** Runs `work` after everything queued before it, so events go out in the order they arrived. */
  serially(work: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(() => (this.#ended ? undefined : work())).catch(() => undefined);
    return this.#chain;
  }

  /** An event; without `eventId` it has no `id:` line, so the client keeps the last id it had. */
  send(eventId: string | undefined, event: string, data: unknown): void {
    const id = eventId === undefined ? '' : `id: ${eventId}\n`;
    this.#write(`${id}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  onEnd(callback: () => void): void {
    if (this.#ended) callback();
    else this.#onEnd.push(callback);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#started(); // queued work then sees #ended and does nothing
    clearInterval(this.#timer);
    for (const callback of this.#onEnd.splice(0)) callback();
    if (!this.body.writableEnded) this.body.end();
  }

  #write(text: string): void {
    if (this.#ended || this.body.writableEnded) return;
    this.body.write(text);
    // A client this far behind would hold ever more memory: it reconnects and resumes instead.
    if (this.body.writableLength > MAX_BUFFERED_BYTES) this.end();
  }
}
