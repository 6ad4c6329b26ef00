import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ThumbsmithError } from '../domain/errors.js';
import type { QueueCounts } from '../ports/job-queue.js';
import { isApiRoute, isUnmatched } from './api-route.js';

export interface RateLimitOptions {
  /** Requests per minute on `/v1`, per API key and per client address (0 = no limit). */
  perMinute: number;
  /** Uploads (`POST /v1/images`) per minute, per API key and per client address, on top of `perMinute` (0 = off). */
  uploadsPerMinute: number;
  /** Uploads answer `503 TS_QUEUE_FULL` while this many render jobs wait (0 = unbounded). */
  maxQueueDepth: number;
  /** The queue's depth; read at most once per `queueCacheMs` (default 1 s). */
  queueCounts: () => Promise<QueueCounts>;
  queueCacheMs?: number;
  now?: () => number;
}

/** Buckets kept at most; past it the least recently created are dropped (they are the least likely to be empty). */
const MAX_BUCKETS = 50_000;
const QUEUE_FULL_RETRY_SECONDS = 5;

/**
 * A token bucket per (limit, identity): `capacity` tokens, refilled at `capacity` per minute, so a client may burst
 * up to a minute's allowance and then proceeds at the steady rate. In memory, per process: N API processes allow N
 * times the rate in total (documented; a shared store is later work).
 */
export class TokenBuckets {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perMinute: number) {
    this.#capacity = perMinute;
    this.#perMs = perMinute / 60_000;
  }

  /** Takes one token; returns 0 when allowed, otherwise the seconds until a token is back. */
  take(identity: string, now: number): number {
    let bucket = this.#buckets.get(identity);
    if (!bucket) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#evict();
      bucket = { tokens: this.#capacity, at: now };
      this.#buckets.set(identity, bucket);
    }
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
  }

  #evict(): void {
    let drop = Math.ceil(MAX_BUCKETS / 10);
    for (const key of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(key);
    }
  }
}

/**
 * Rate limits and backpressure on `/v1`: `429 TS_RATE_LIMITED` with `Retry-After` past the per-key or per-address
 * rate, `503 TS_QUEUE_FULL` with `Retry-After` for uploads while the render queue is at its bound. Every request to
 * an API route counts, refused ones included, and so does every request no route matches (scanning is not free).
 * Registered before the auth plugin: the address is counted in onRequest, before authentication, so a flood of bad
 * keys is limited; the verified key (`request.apiKeyId`) in preParsing, after it and before any body is read.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const now = options.now ?? Date.now;
    const all = options.perMinute > 0 ? new TokenBuckets(options.perMinute) : undefined;
    const uploads = options.uploadsPerMinute > 0 ? new TokenBuckets(options.uploadsPerMinute) : undefined;
    const cacheMs = options.queueCacheMs ?? 1000;
    let depth: { waiting: number; at: number } | undefined;
    // Fails open: while the queue cannot be counted (Redis down) uploads are still taken, as they are without a bound.
    const waiting = async (request: FastifyRequest) => {
      if (!depth || now() - depth.at >= cacheMs) {
        let count = 0;
        try {
          count = (await options.queueCounts()).waiting;
        } catch (error) {
          request.log.warn({ err: error }, 'queue depth unknown; the upload bound is not applied');
        }
        depth = { waiting: count, at: now() };
      }
      return depth.waiting;
    };

    const limit = (buckets: TokenBuckets | undefined, identities: readonly string[], at: number) => {
      if (!buckets || identities.length === 0) return;
      const wait = Math.max(...identities.map((identity) => buckets.take(identity, at)));
      if (wait > 0) {
        throw new ThumbsmithError('TS_RATE_LIMITED', `Too many requests; try again in ${wait} s.`, {
          extensions: { retryAfterSeconds: wait },
        });
      }
    };
    const addressOf = (request: FastifyRequest) => `ip:${request.ip}`;
    const keyOf = (request: FastifyRequest) => (request.apiKeyId ? [`key:${request.apiKeyId}`] : []);
    const isUpload = (request: FastifyRequest) =>
      request.method === 'POST' && request.routeOptions.url === '/v1/images';

    app.addHook('onRequest', async (request) => {
      if (!isApiRoute(request) && !isUnmatched(request)) return;
      const at = now();
      limit(all, [addressOf(request)], at);
      if (isUpload(request)) limit(uploads, [addressOf(request)], at);
    });

    app.addHook('preParsing', async (request) => {
      if (!isApiRoute(request)) return;
      const at = now();
      limit(all, keyOf(request), at);
      if (!isUpload(request)) return;
      limit(uploads, keyOf(request), at);
      if (options.maxQueueDepth > 0 && (await waiting(request)) >= options.maxQueueDepth) {
        throw new ThumbsmithError(
          'TS_QUEUE_FULL',
          `${options.maxQueueDepth} or more images are waiting to be rendered; try again later.`,
          { extensions: { retryAfterSeconds: QUEUE_FULL_RETRY_SECONDS } },
        );
      }
    });
  },
  { name: 'thumbsmith-rate-limit', fastify: '5.x' },
);
