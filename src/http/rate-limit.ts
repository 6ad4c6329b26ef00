import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import ipaddr from 'ipaddr.js';
import { ThumbsmithError } from '../domain/errors.js';
import type { QueueCounts } from '../ports/job-queue.js';
import { RATE_LIMIT_WINDOW_SECONDS, type RateLimitState, type RateLimitStore } from '../ports/rate-limit-store.js';
import type { Metrics } from '../telemetry/metrics.js';
import { isApiRoute, isUnmatched } from './api-route.js';

export interface RateLimitOptions {
  /** Requests per minute on `/v1`, per API key and per client address (0 = no limit). */
  perMinute: number;
  /** Uploads (`POST /v1/images`) per minute, per API key and per client address, on top of `perMinute` (0 = off). */
  uploadsPerMinute: number;
  /** Where requests are counted: in this process, or shared by every API process (Redis). */
  store: RateLimitStore;
  /** Counts in this process, used while `store` cannot answer (fail open, to this process's own count). */
  fallback: RateLimitStore;
  /** Uploads answer `503 TS_QUEUE_FULL` while this many render jobs wait (0 = unbounded). */
  maxQueueDepth: number;
  /** The queue's depth; read at most once per `queueCacheMs` (default 1 s). */
  queueCounts: () => Promise<QueueCounts>;
  queueCacheMs?: number;
  /** Counts the store's failures (`thumbsmith_rate_limit_store_errors_total`). */
  metrics?: Metrics;
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's counts so far, each with its policy (set by the rate-limit plugin). */
    rateLimits: Counted[] | null;
  }
}

/** A limit under its name in the `RateLimit-Policy` header. */
interface Policy {
  name: 'minute' | 'uploads';
  limit: number;
}

interface Counted {
  policy: Policy;
  state: RateLimitState;
}

const QUEUE_FULL_RETRY_SECONDS = 5;
/** While the store keeps failing, one warning per this long (each failure is counted in the metric). */
const STORE_WARNING_INTERVAL_MS = 60_000;

/** `"minute";q=600;w=60`: one policy as an item of the `RateLimit-Policy` structured field (IETF httpapi draft). */
const policyItem = ({ name, limit }: Policy) => `"${name}";q=${limit};w=${RATE_LIMIT_WINDOW_SECONDS}`;

/**
 * The count closest to refusal: the fewest requests left, and of those the one whose window ends last. It is the
 * one a client must respect, so it is the one the `RateLimit` header reports.
 */
function tightest(counted: readonly Counted[]): Counted | undefined {
  return counted.reduce<Counted | undefined>((tight, next) => {
    if (!tight) return next;
    if (next.state.remaining !== tight.state.remaining)
      return next.state.remaining < tight.state.remaining ? next : tight;
    return next.state.resetSeconds > tight.state.resetSeconds ? next : tight;
  }, undefined);
}

/**
 * The standard headers of draft-ietf-httpapi-ratelimit-headers on every counted answer: `RateLimit-Policy` lists
 * every policy the request was counted under (`minute`, and `uploads` for an upload), `RateLimit` tells the one
 * closest to refusal (`"minute";r=<left>;t=<seconds until the window ends>`). Set as each count happens rather
 * than on send, so refusals and event streams carry them too.
 */
function setRateLimitHeaders(reply: FastifyReply, counted: readonly Counted[]): void {
  const tight = tightest(counted);
  if (!tight) return;
  const policies = [...new Map(counted.map(({ policy }) => [policy.name, policy])).values()];
  reply.header('ratelimit-policy', policies.map(policyItem).join(', '));
  reply.header('ratelimit', `"${tight.policy.name}";r=${tight.state.remaining};t=${tight.state.resetSeconds}`);
}

/**
 * Rate limits and backpressure on `/v1`: `429 TS_RATE_LIMITED` with `Retry-After` past the per-key or per-address
 * limit, `503 TS_QUEUE_FULL` with `Retry-After` for uploads while the render queue is at its bound. Every request to
 * an API route counts, refused ones included, and so does every request no route matches (scanning is not free).
 * Registered before the auth plugin: the address is counted in onRequest, before authentication, so a flood of bad
 * keys is limited; the verified key (`request.apiKeyId`) in preParsing, after it and before any body is read.
 * Whether a route is an API route is decided on the matched route, so odd spellings of a `/v1` path count too.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const now = options.now ?? Date.now;
    const all: Policy | undefined = options.perMinute > 0 ? { name: 'minute', limit: options.perMinute } : undefined;
    const uploads: Policy | undefined =
      options.uploadsPerMinute > 0 ? { name: 'uploads', limit: options.uploadsPerMinute } : undefined;
    const cacheMs = options.queueCacheMs ?? 1000;
    let depth: { waiting: number; at: number } | undefined;
    let lastStoreWarning = Number.NEGATIVE_INFINITY;
    app.decorateRequest('rateLimits', null);

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

    // Fails open to this process's own count: a limiter outage never takes the API down, and one process still
    // holds its clients to the limit (N processes then allow up to N times it, as with the memory store).
    const consume = async (request: FastifyRequest, key: string, limit: number) => {
      try {
        return await options.store.consume(key, limit);
      } catch (error) {
        options.metrics?.rateLimitStoreError();
        if (now() - lastStoreWarning >= STORE_WARNING_INTERVAL_MS) {
          lastStoreWarning = now();
          request.log.warn({ err: error }, 'rate-limit store unavailable; counting in this process meanwhile');
        }
        return options.fallback.consume(key, limit);
      }
    };

    const limit = async (
      request: FastifyRequest,
      reply: FastifyReply,
      policy: Policy | undefined,
      identities: readonly string[],
    ) => {
      if (!policy || identities.length === 0) return;
      const states = await Promise.all(
        identities.map((identity) => consume(request, `${policy.name}:${identity}`, policy.limit)),
      );
      request.rateLimits ??= [];
      request.rateLimits.push(...states.map((state) => ({ policy, state })));
      setRateLimitHeaders(reply, request.rateLimits);
      const refused = states.filter((state) => !state.allowed);
      if (refused.length > 0) {
        const wait = Math.max(...refused.map((state) => state.resetSeconds));
        throw new ThumbsmithError('TS_RATE_LIMITED', `Too many requests; try again in ${wait} s.`, {
          extensions: { retryAfterSeconds: wait },
        });
      }
    };
    const addressOf = (request: FastifyRequest) => [`ip:${clientAddressKey(request.ip)}`];
    const keyOf = (request: FastifyRequest) => (request.apiKeyId ? [`key:${request.apiKeyId}`] : []);
    const isUpload = (request: FastifyRequest) =>
      request.method === 'POST' && request.routeOptions.url === '/v1/images';

    app.addHook('onRequest', async (request, reply) => {
      if (!isApiRoute(request) && !isUnmatched(request)) return;
      await limit(request, reply, all, addressOf(request));
      if (isUpload(request)) await limit(request, reply, uploads, addressOf(request));
    });

    app.addHook('preParsing', async (request, reply) => {
      if (!isApiRoute(request)) return;
      await limit(request, reply, all, keyOf(request));
      if (!isUpload(request)) return;
      await limit(request, reply, uploads, keyOf(request));
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

/**
 * The address a client is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 one as IPv4), an IPv6 address
 * by its /64 — one host or network usually holds a whole /64, so counting each of its 2^64 addresses apart would let
 * it bypass the limit and fill the store with a key per request.
 */
export function clientAddressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const network = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${network.join(':')}::/64`;
}
