import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface SecurityHeadersOptions {
  /** `CORS_ORIGINS`: exact origins that may call the API from a browser. Empty = no CORS headers at all. */
  corsOrigins: readonly string[];
}

const ALLOWED_METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'authorization, content-type, idempotency-key, if-none-match, last-event-id';
const EXPOSED_HEADERS = 'etag, location, ratelimit, ratelimit-policy, retry-after, x-request-id';

/**
 * The API documentation (swagger-ui) loads only its own scripts and styles and may not be framed: the web page at `/`
 * keeps the API key in localStorage, and a script injected into a page of this origin could read it.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // swagger-ui injects one fixed <style> element at start (allowed by its hash alone; test/web/docs-page.test.ts
  // fails when a swagger-ui update changes it) and sets style attributes on its elements.
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers every answer carries: `nosniff` (a browser must never guess a type) and the request id. Set when the
 * request arrives rather than on send, so answers that skip onSend (event streams) carry them too.
 */
export function setEveryAnswerHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff').header('x-request-id', request.id);
}

/**
 * `X-Content-Type-Options: nosniff` and `X-Request-Id` on every answer, and CORS for the configured
 * origins only: any other origin gets no CORS header, so the browser keeps its same-origin rule.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, options: SecurityHeadersOptions) => {
    const allowed = new Set(options.corsOrigins);
    app.addHook('onRequest', async (request, reply) => {
      setEveryAnswerHeaders(request, reply);
      const origin = request.headers.origin;
      if (allowed.size === 0) return;
      reply.header('vary', 'Origin');
      if (origin === undefined || !allowed.has(origin)) return;
      reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', EXPOSED_HEADERS);
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
        // The preflight is answered here, before routing: no route needs an OPTIONS handler, and no key is asked.
        return reply
          .code(204)
          .header('access-control-allow-methods', ALLOWED_METHODS)
          .header('access-control-allow-headers', ALLOWED_HEADERS)
          .header('access-control-max-age', '600')
          .send();
      }
    });
  },
  { name: 'thumbsmith-security-headers', fastify: '5.x' },
);

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif', gif: 'gif' };

/**
 * `inline; filename="<name>-<preset>.<ext>"` for a rendered thumbnail. The name is the uploaded filename without its
 * extension, reduced to `[A-Za-z0-9._-]` (no quotes, slashes, CR/LF or control characters can reach the header),
 * at most 64 characters; the image id when nothing is left.
 */
export function thumbnailDisposition(
  filename: string | null | undefined,
  imageId: string,
  preset: string,
  format: string,
): string {
  const stem = (filename ?? '').replace(/\.[^.]*$/, '');
  const safe = stem
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 64);
  const name = safe === '' || /^_*$/.test(safe) ? imageId : safe;
  const ext = EXTENSIONS[format] ?? 'bin';
  return `inline; filename="${name}-${preset.replace(/[^A-Za-z0-9_-]/g, '_')}.${ext}"`;
}
