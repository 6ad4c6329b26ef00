import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** The tenant every request belongs to until API keys exist (issue 7 sets `request.tenant` from the key). */
export const DEFAULT_TENANT = 'default';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whose images this request may see and change. Every route reads it from here, nowhere else. */
    tenant: string;
  }
}

/** Declares `request.tenant` with its final shape (a string) so every route can rely on it. */
export const tenantPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('tenant', DEFAULT_TENANT);
  },
  { name: 'thumbsmith-tenant', fastify: '5.x' },
);
