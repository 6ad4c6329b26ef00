import type { Runtime } from '../../src/compose.js';
import { buildRoleApp, type Role } from '../../src/server.js';

/** `fetch` answered by `app.inject()`: the same request and response objects, no socket, no port. */
export type InjectFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** Statuses whose response has no body (the Response constructor refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The runtime's app for `role`, and a fetch that injects into it: the request is built by the platform's `Request`
 * (so multipart and JSON bodies are encoded exactly as `fetch` would) and handed to Fastify without a socket.
 */
export async function injectableApp(
  runtime: Runtime,
  role: Role = 'api',
): Promise<{ fetch: InjectFetch; close(): Promise<void> }> {
  const app = await buildRoleApp(runtime, role);
  await app.ready();
  const fetch: InjectFetch = async (path, init) => {
    const request = new Request(new URL(path, 'http://in-process.test'), init);
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const reply = await app.inject({
      method: request.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      ...(body ? { payload: body } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      for (const one of Array.isArray(value) ? value : [value])
        if (one !== undefined) headers.append(name, String(one));
    }
    return new Response(NO_BODY.has(reply.statusCode) ? null : reply.rawPayload, { status: reply.statusCode, headers });
  };
  return { fetch, close: () => app.close() };
}
