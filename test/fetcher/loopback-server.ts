import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { ConnectAttempt, FetchPolicy } from '../../src/fetcher/index.js';

/** One request a test server received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface LoopbackServer {
  readonly port: number;
  readonly origin: string;
  readonly received: Received[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A real HTTP server on 127.0.0.1 (port 0) that records every request it gets. */
export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Records every connection the fetcher is about to open and VETOES anything that is not 127.0.0.1, so a broken guard
 * can never make a test send a packet off this machine.
 */
export function connectRecorder(): { attempts: ConnectAttempt[]; onConnect: (attempt: ConnectAttempt) => void } {
  const attempts: ConnectAttempt[] = [];
  return {
    attempts,
    onConnect(attempt) {
      attempts.push(attempt);
      if (attempt.address !== '127.0.0.1') throw new Error(`test guard: refused to connect to ${attempt.address}`);
    },
  };
}

/** A resolver backed by a fixed table; unknown names fail (tests never ask real DNS). */
export function tableResolver(table: Record<string, string[]>): {
  calls: string[];
  resolver: NonNullable<FetchPolicy['resolver']>;
} {
  const calls: string[] = [];
  return {
    calls,
    async resolver(hostname) {
      calls.push(hostname);
      const addresses = table[hostname];
      if (addresses === undefined)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
  };
}

/** Reads a stream to the end; rejects with the stream's error. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const BASE_POLICY: FetchPolicy = {
  allowedHosts: undefined,
  allowLoopback: false,
  maxBytes: 1024 * 1024,
  timeoutMs: 2_000,
  maxRedirects: 3,
  userAgent: 'Thumbsmith-Test/1.0',
};
