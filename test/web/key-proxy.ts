import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeyProxy {
  url: string;
  /** Requests that reached the service, with the Authorization they carried. */
  forwarded: Array<{ method: string; url: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

/**
 * A loopback reverse proxy that requires `Authorization: Bearer <key>` on /v1 (as the server does when API keys are
 * on) and streams everything else through to `target` untouched: the page's key handling is tested against real
 * 401s, a real upload and a real event stream.
 */
export async function startKeyProxy(target: string, key: string): Promise<KeyProxy> {
  const upstream = new URL(target);
  const forwarded: KeyProxy['forwarded'] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/v1/') && req.headers.authorization !== `Bearer ${key}`) {
      req.resume();
      res.writeHead(401, { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer' });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Unauthorized',
          status: 401,
          code: 'TS_UNAUTHORIZED',
          detail: 'API key required',
        }),
      );
      return;
    }
    forwarded.push({ method: req.method ?? 'GET', url, authorization: req.headers.authorization });
    const proxied = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: url,
        headers: { ...req.headers, host: upstream.host },
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    proxied.on('error', () => res.destroy());
    req.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
