import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ThumbsmithError } from '../../domain/errors.js';

export interface WebUiRoutesOptions {
  /** The Vite build output. @defaultValue `web/dist` of the package (same depth from `src/` and `dist/`). */
  root?: string;
}

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json; charset=utf-8',
};

// Vite writes flat, hashed asset names; anything else (slashes, dots first, `..`) is not ours to serve.
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

// The page loads only its own files; thumbnails come back as blob: URLs when the API needs a key.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `Thumbsmith is running, but its web page has not been built.

Build it once from the project folder:

    npm run build

then reload this page. The API is available meanwhile: /v1/images, and its documentation at /docs.
`;

/**
 * Serves the browser UI (a static Vite build) at `/` and `/assets/*`. Files are looked up per request, so building
 * after start-up works; a missing build answers a short text page that says how to make it.
 */
export const webUiRoutes: FastifyPluginAsync<WebUiRoutesOptions> = async (app, options) => {
  const root = options.root ?? DEFAULT_WEB_ROOT;

  const sendFile = async (reply: FastifyReply, path: string, cacheControl: string) => {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return false;
    reply
      .type(CONTENT_TYPES[extname(path)] ?? 'application/octet-stream')
      .header('content-length', String(info.size))
      .header('cache-control', cacheControl)
      .header('last-modified', info.mtime.toUTCString())
      .header('x-content-type-options', 'nosniff');
    await reply.send(createReadStream(path));
    return true;
  };

  const index = async (_request: unknown, reply: FastifyReply) => {
    reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');
    // The page names its hashed assets, so it must be revalidated; the assets never change under one name.
    if (await sendFile(reply, join(root, 'index.html'), 'no-cache')) return reply;
    return reply.code(404).type('text/plain; charset=utf-8').send(NOT_BUILT);
  };

  app.get('/', { schema: { hide: true } }, index);
  app.get('/index.html', { schema: { hide: true } }, index);

  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params;
    if (
      ASSET_NAME.test(name) &&
      (await sendFile(reply, join(root, 'assets', name), 'public, max-age=31536000, immutable'))
    ) {
      return reply;
    }
    throw new ThumbsmithError('TS_ROUTE_NOT_FOUND', `No asset ${name}.`);
  });

  app.get('/favicon.svg', { schema: { hide: true } }, async (_request, reply) => {
    if (await sendFile(reply, join(root, 'favicon.svg'), 'public, max-age=86400')) return reply;
    throw new ThumbsmithError('TS_ROUTE_NOT_FOUND', 'No route GET /favicon.svg.');
  });
};
