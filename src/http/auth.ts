import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasScope, type Scope } from '../domain/api-keys.js';
import { ThumbsmithError } from '../domain/errors.js';
import { type SigningKey, signPath, verifyPath } from '../domain/signed-url.js';
import type { ApiKeyVerifier } from '../service/access.js';
import { isApiRoute } from './api-route.js';
import { thumbnailPath } from './image-view.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a `/v1` route needs when API keys are on; default: `read` for GET/HEAD, `upload` otherwise. */
    scope?: Scope;
  }
  interface FastifyRequest {
    /** The verified API key's id, `null` without one (rate limits count per key). */
    apiKeyId: string | null;
  }
}

export interface AuthOptions {
  /** Decides whether keys are needed and which key a token is. */
  verifier: ApiKeyVerifier;
  /** `SIGNING_KEYS`: the first signs, every one verifies. Empty = no signed URLs. */
  signingKeys: readonly SigningKey[];
  /** Lifetime of the signed URLs handed out with `?signed=true`. */
  signedUrlTtlSeconds: number;
  /** The owner of an image whatever the tenant (a signed thumbnail URL carries no key); `undefined` when unknown. */
  tenantOf(imageId: string): Promise<string | undefined>;
  now?: () => number;
}

export const THUMBNAIL_ROUTE = '/v1/images/:id/thumbnails/:preset';
const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * API keys and signed URLs for every `/v1` route. While no key exists (or every key is revoked) the API is open and
 * every request belongs to the `default` tenant. Once one exists, a request needs `Authorization: Bearer <key>` with
 * the route's scope, and `request.tenant` becomes the key's tenant. A thumbnail URL with a valid signature needs no
 * key; its tenant is the image's. Health, metrics, docs and the web page stay open.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    const { verifier } = options;
    const now = options.now ?? Date.now;
    app.decorateRequest('apiKeyId', null);

    // Scopes of the key each request authenticated with, checked in preParsing: after the rate limit has counted
    // the key (so a key without the scope is limited too), still before any body is read.
    const scopesOf = new WeakMap<FastifyRequest, readonly Scope[]>();

    app.addHook('onRequest', async (request, reply) => {
      if (!isApiRoute(request)) return;
      const query = request.query as Record<string, string | undefined>;
      if (query.signed === 'true' && options.signingKeys.length === 0) {
        throw new ThumbsmithError('TS_VALIDATION', 'signed=true needs SIGNING_KEYS to be configured on the server.');
      }
      if (request.routeOptions.url === THUMBNAIL_ROUTE && (query.sig ?? query.exp ?? query.kid) !== undefined) {
        await acceptSignature(request, query);
        return;
      }
      if (!(await verifier.keysRequired())) return;
      const key = await authenticate(request, reply);
      request.tenant = key.tenant;
      request.apiKeyId = key.id;
      scopesOf.set(request, key.scopes);
      verifier.recordUse(key.id).catch((error: unknown) => {
        request.log.warn({ err: error }, 'recording the API key use failed');
      });
    });

    app.addHook('preParsing', async (request) => {
      const scopes = scopesOf.get(request);
      if (scopes === undefined) return;
      const scope = routeScope(request.method, request.routeOptions.config.scope);
      if (!hasScope(scopes, scope)) {
        throw new ThumbsmithError('TS_FORBIDDEN', `This route needs an API key with the "${scope}" scope.`);
      }
    });

    // `?signed=true`: the thumbnail URLs in image answers carry a signature, so a page can embed them.
    app.addHook('preSerialization', async (request, _reply, payload) => {
      const key = options.signingKeys[0];
      if (!key || (request.query as Record<string, unknown> | undefined)?.signed !== 'true') return payload;
      const expires = Math.floor(now() / 1000) + options.signedUrlTtlSeconds;
      // The canonical path is signed (as verified), whatever base URL the link carries.
      const sign = (url: string, imageId: string, preset: string) =>
        `${url}${url.includes('?') ? '&' : '?'}${signPath(thumbnailPath(imageId, preset), expires, key)}`;
      signImages(payload, sign);
      return payload;
    });

    async function acceptSignature(request: FastifyRequest, query: Record<string, string | undefined>) {
      // Verified against the path rebuilt from the matched parameters, whatever spelling the request used.
      const { id, preset } = request.params as { id: string; preset: string };
      const check = verifyPath(thumbnailPath(id, preset), query, options.signingKeys, Math.floor(now() / 1000));
      if (check !== 'valid') {
        throw new ThumbsmithError('TS_BAD_SIGNATURE', `The thumbnail URL's signature is not valid (${check}).`);
      }
      const tenant = await options.tenantOf(id);
      if (tenant === undefined) throw new ThumbsmithError('TS_NOT_FOUND', 'No such image.');
      request.tenant = tenant;
    }

    async function authenticate(request: FastifyRequest, reply: FastifyReply) {
      const unauthorized = (detail: string) => {
        reply.header('www-authenticate', 'Bearer realm="thumbsmith"');
        return new ThumbsmithError('TS_UNAUTHORIZED', detail);
      };
      const header = request.headers.authorization;
      const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
      if (token === undefined) throw unauthorized('Send the API key as "Authorization: Bearer <key>".');
      // Unknown, malformed and revoked keys all get the same answer.
      const key = await verifier.verify(token);
      if (!key) throw unauthorized('The API key is unknown or revoked.');
      return key;
    }
  },
  { name: 'thumbsmith-auth', fastify: '5.x', dependencies: ['thumbsmith-tenant'] },
);

/** The scope a route needs: its own, else `read` for GET and HEAD and `upload` for everything else. */
export function routeScope(method: string, configured: Scope | undefined): Scope {
  return configured ?? (method === 'GET' || method === 'HEAD' ? 'read' : 'upload');
}

type ViewLike = {
  id?: string;
  variants?: { preset: string; url?: string; immutableUrl?: string }[];
  links?: { thumbnails?: Record<string, string> };
};

function signImages(payload: unknown, sign: (url: string, imageId: string, preset: string) => string): void {
  if (typeof payload !== 'object' || payload === null) return;
  const items = (payload as { items?: unknown }).items;
  if (Array.isArray(items)) {
    for (const item of items) signImages(item, sign);
    return;
  }
  const view = payload as ViewLike;
  const id = view.id;
  if (id === undefined) return;
  for (const variant of view.variants ?? []) {
    if (variant.url) variant.url = sign(variant.url, id, variant.preset);
    if (variant.immutableUrl) variant.immutableUrl = sign(variant.immutableUrl, id, variant.preset);
  }
  const thumbnails = view.links?.thumbnails;
  if (thumbnails) for (const name of Object.keys(thumbnails)) thumbnails[name] = sign(thumbnails[name] ?? '', id, name);
}

/** True for addresses only this machine can reach (`HOST`): there an API without keys is a development setup. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
