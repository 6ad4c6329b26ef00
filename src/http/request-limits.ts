import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ThumbsmithError } from '../domain/errors.js';
import { rawProblemResponse } from './problem.js';

/** Room for the multipart framing around the file: boundaries, part headers and the small text fields. */
export const MULTIPART_ALLOWANCE_BYTES = 64 * 1024;

export interface BodyRateOptions {
  /** A body must bring at least this many bytes per second, on average over each window (0 = no rule). */
  minBytesPerSecond: number;
  windowMs: number;
}

export interface RequestLimitsOptions {
  /** The largest body any route takes: the upload limit plus the multipart allowance. */
  maxBodyBytes: number;
  /** Without it bodies may arrive at any pace. */
  bodyRate?: BodyRateOptions;
}

/** How often a body's progress is checked: the size bound needs to be noticed sooner than a rate window. */
const CHECK_MS = 1000;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's `X-Request-Id` when it is short and made of safe characters, else a fresh one: the id is echoed in a
 * header, in problem documents and in every log line, so it must not carry markup, control characters or bulk.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What Node's HTTP parser refused, as a catalogue error. */
function clientErrorOf(error: NodeJS.ErrnoException): ThumbsmithError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ThumbsmithError('TS_REQUEST_TIMEOUT', 'The request line and headers did not arrive in time.');
  }
  if (error.code === 'HPE_HEADER_OVERFLOW' || error.code === 'HPE_URI_TOO_LONG') {
    return new ThumbsmithError('TS_HEADERS_TOO_LARGE');
  }
  return new ThumbsmithError('TS_VALIDATION', 'The request is not valid HTTP/1.1.');
}

/**
 * Fastify's `clientErrorHandler`: requests Node's parser refuses (malformed, headers too large, headers too slow)
 * get a problem+json answer with its code and `nosniff`, like every other answer, and the connection closes.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket, log: FastifyBaseLogger): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = clientErrorOf(error);
  const requestId = randomUUID();
  log.info({ code: problem.code, reqId: requestId, parserError: error.code }, 'request refused by the HTTP parser');
  // Not in the middle of an answer already on its way (a malformed chunk in a body being read): then only close.
  const answering = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage?.headersSent === true;
  if (socket.writable && !answering) socket.write(rawProblemResponse(problem, requestId));
  socket.destroySoon();
}

/** Requests whose client waits for `100 Continue` before sending the body, and those that got it. */
const expectsContinue = (request: FastifyRequest) => /^100-continue$/i.test(request.headers.expect ?? '');
const continued = new WeakSet<IncomingMessage>();

/**
 * Sends `100 Continue` to a client that waits for it, once the request has passed every check (a preParsing hook
 * registered after auth and rate limits): a refused request's body is then never sent at all. Node would otherwise
 * send it on arrival, before any check (`app.ts` takes that over with a `checkContinue` listener); a final answer
 * without it closes the connection.
 */
export function sendContinue(request: FastifyRequest, reply: FastifyReply): void {
  if (!expectsContinue(request) || continued.has(request.raw)) return;
  continued.add(request.raw);
  reply.raw.writeContinue();
}

/** The body length the client declared; `undefined` for none or a chunked body. */
function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined || !/^\d+$/.test(header) ? undefined : Number(header);
}

/**
 * Every request body is bounded in size and pace, before and while it is read:
 * - a declared `Content-Length` over `maxBodyBytes` is refused at once (`413 TS_UPLOAD_TOO_LARGE`), unread;
 * - a body that brings less than the minimum rate over a window is cut (`408 TS_REQUEST_TIMEOUT` when nothing was
 *   answered yet), and its request destroyed so the upload's temp file goes with it;
 * - a body still arriving when the answer has gone out (an early 401, 413, 429 or 503) is read and discarded, at
 *   most `maxBodyBytes` more of it and at the same pace, so that a client still sending can read the answer instead
 *   of a reset; past that the connection is cut.
 * Progress is read from the socket's byte count: a listener on the request itself would take the body from the route.
 */
export const requestLimitsPlugin = fp(
  async (app: FastifyInstance, options: RequestLimitsOptions) => {
    const { maxBodyBytes, bodyRate } = options;
    const drains = new WeakMap<FastifyRequest, () => void>();

    app.addHook('onRequest', async (request, reply) => {
      const declared = declaredLength(request);
      const hasBody = (declared ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
      if (hasBody && !request.raw.complete) drains.set(request, watchBody(request, reply));
      if (declared !== undefined && declared > maxBodyBytes) {
        throw new ThumbsmithError('TS_UPLOAD_TOO_LARGE', `The request declares a body over ${maxBodyBytes} bytes.`, {
          extensions: { limit: maxBodyBytes - MULTIPART_ALLOWANCE_BYTES },
        });
      }
    });

    app.addHook('onResponse', async (request) => {
      if (request.raw.complete || request.raw.destroyed) return;
      drains.get(request)?.();
      // Nobody reads the rest of this body any more: let it flow to nowhere.
      request.raw.unpipe();
      request.raw.resume();
    });

    /** Watches the body's pace until it is complete; returns the switch to drain mode (the answer has gone out). */
    function watchBody(request: FastifyRequest, reply: FastifyReply): () => void {
      const socket = request.raw.socket;
      const start = socket.bytesRead;
      let drainUntil = Number.POSITIVE_INFINITY;
      const windowMs = bodyRate?.windowMs ?? CHECK_MS;
      let windowStart = Date.now();
      let windowBytes = start;
      const timer = setInterval(
        () => {
          if (request.raw.complete || socket.destroyed) {
            stop();
            return;
          }
          const read = socket.bytesRead;
          if (read > drainUntil) {
            cut(new ThumbsmithError('TS_UPLOAD_TOO_LARGE', 'The rest of the request body is too large to discard.'));
            return;
          }
          if (!bodyRate || bodyRate.minBytesPerSecond === 0) return;
          const now = Date.now();
          // Bytes waiting unread in the request, or a client still waiting for `100 Continue`, are the server's
          // delay (a slow check before the route reads), not the client's: the window starts again.
          if (request.raw.readableLength > 0 || (expectsContinue(request) && !continued.has(request.raw))) {
            windowStart = now;
            windowBytes = read;
            return;
          }
          if (now - windowStart < windowMs) return;
          if (read - windowBytes < (bodyRate.minBytesPerSecond * (now - windowStart)) / 1000) {
            cut(
              new ThumbsmithError(
                'TS_REQUEST_TIMEOUT',
                `The request body arrived slower than ${bodyRate.minBytesPerSecond} bytes per second.`,
              ),
            );
            return;
          }
          windowStart = now;
          windowBytes = read;
        },
        Math.min(CHECK_MS, windowMs),
      );
      timer.unref();
      // One keep-alive socket carries many requests: each takes its listener off again.
      const stop = () => {
        clearInterval(timer);
        socket.off('close', stop);
      };
      socket.on('close', stop);
      return () => {
        drainUntil = socket.bytesRead + maxBodyBytes;
      };

      function cut(error: ThumbsmithError) {
        stop();
        request.log.info({ code: error.code, bytesRead: socket.bytesRead - start }, 'request body cut');
        // The answer goes straight to the socket: the route may still be reading, and will fail with this error.
        if (!reply.raw.headersSent && socket.writable) socket.write(rawProblemResponse(error, request.id));
        request.raw.destroy(error);
      }
    }
  },
  { name: 'thumbsmith-request-limits', fastify: '5.x' },
);
