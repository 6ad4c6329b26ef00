import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
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

/**
 * Server-Sent Events of status changes, per image and per tenant. Each stream subscribes to the event transport
 * first and reads rows after, so no change between the two is lost; every event re-reads the row, so clients always
 * get the current state (possibly twice, never stale).
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

  app.get(
    '/images/:id/events',
    {
      schema: {
        summary: 'Follow one image (Server-Sent Events)',
        description:
          'Sends the image as it is now, then again on every change; the stream ends after `done` or `failed` ' +
          '(at once when it already is) or when the image is deleted.',
        operationId: 'streamImageEvents',
        tags: ['events'],
        params: ImageIdParams,
        ...parameters('LastEventId'),
        response: { 200: eventStream('The image now and on every change, until it is final'), ...problems(404) },
      },
    },
    async (request, reply) => {
      const { tenant } = request;
      const { id } = request.params;
      await watcher.get(tenant, id); // 404 as problem+json, before the stream starts
      const stream = new EventStream(reply.raw, heartbeatMs, () => open.delete(stream));
      // Tracked from the start: a client gone before the stream opens ends it (and untracks it) right away.
      open.add(stream);
      let lastSent = '';
      const send = async () => {
        try {
          const image = await watcher.get(tenant, id);
          // The same state twice (an event and a re-read) is sent once.
          const state = `${image.status}:${image.updatedAt.getTime()}`;
          if (state === lastSent) return;
          lastSent = state;
          stream.send(randomUUID(), 'image', view(image));
          if (isFinal(image)) stream.end();
        } catch (error) {
          if (!(error instanceof ThumbsmithError && error.code === 'TS_NOT_FOUND')) request.log.warn({ err: error });
          stream.end();
        }
      };
      const unsubscribe = await watcher.watch(tenant, id, (event) =>
        stream.serially(async () => {
          if (event.kind === 'deleted') {
            stream.send(event.id, 'deleted', { id });
            stream.end();
            return;
          }
          await send();
        }),
      );
      // Events are at most once (and processes on one SQLite file without Redis share none): re-read now and then.
      const recheck = setInterval(() => void stream.serially(send), recheckMs);
      recheck.unref();
      stream.onEnd(() => {
        clearInterval(recheck);
        unsubscribe();
      });
      reply.hijack();
      stream.start(reply.getHeaders());
      await stream.serially(send);
    },
  );

  app.get(
    '/events',
    {
      schema: {
        summary: "Follow all of the tenant's images (Server-Sent Events)",
        description: 'Every change of every image of the caller, as it happens; the stream stays open.',
        operationId: 'streamEvents',
        tags: ['events'],
        ...parameters('LastEventId'),
        response: { 200: eventStream('Every change of every image of the caller, as it happens') },
      },
    },
    async (request, reply) => {
      const { tenant } = request;
      const stream = new EventStream(reply.raw, heartbeatMs, () => open.delete(stream));
      open.add(stream);
      const unsubscribe = await watcher.watch(tenant, undefined, (event: ImageEvent) =>
        stream.serially(async () => {
          if (event.kind === 'deleted') {
            stream.send(event.id, 'deleted', { id: event.imageId });
            return;
          }
          try {
            stream.send(event.id, 'image', view(await watcher.get(tenant, event.imageId)));
          } catch (error) {
            // Deleted since: its `deleted` event follows.
            if (!(error instanceof ThumbsmithError && error.code === 'TS_NOT_FOUND')) request.log.warn({ err: error });
          }
        }),
      );
      stream.onEnd(unsubscribe);
      reply.hijack();
      stream.start(reply.getHeaders());
    },
  );
};

/** One `text/event-stream` response: ordered writes, heartbeats, one end. */
class EventStream {
  readonly #res: ServerResponse;
  readonly #heartbeatMs: number;
  readonly #onEnd: Array<() => void> = [];
  // Work queued before start() waits for the headers to go out.
  #started: () => void = () => {};
  #chain: Promise<void> = new Promise((resolve) => {
    this.#started = resolve;
  });
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(res: ServerResponse, heartbeatMs: number, onEnd: () => void) {
    this.#res = res;
    this.#heartbeatMs = heartbeatMs;
    this.#onEnd.push(onEnd);
    res.on('close', () => this.end());
  }

  /** Sends the headers: the reply's own (CORS, request id, nosniff: set by hooks, which a hijacked reply skips). */
  start(replyHeaders: ReturnType<FastifyReply['getHeaders']>): void {
    for (const [name, value] of Object.entries(replyHeaders)) {
      if (value !== undefined) this.#res.setHeader(name, value);
    }
    this.#res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    this.#res.write(': thumbsmith events\n\n');
    this.#timer = setInterval(() => this.#write(': heartbeat\n\n'), this.#heartbeatMs);
    this.#timer.unref();
    this.#started();
  }

  /** Runs `work` after everything queued before it, so events go out in the order they arrived. */
  serially(work: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(() => (this.#ended ? undefined : work())).catch(() => undefined);
    return this.#chain;
  }

  send(id: string, event: string, data: unknown): void {
    this.#write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
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
    if (!this.#res.writableEnded) this.#res.end();
  }

  #write(text: string): void {
    if (!this.#ended && !this.#res.writableEnded) this.#res.write(text);
  }
}
