import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The problem document's `code`, when the body is one. */
  code: string | undefined;
}

/** Host and port of a service URL (always loopback in tests). */
export function targetOf(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/** Parses the first HTTP/1.1 answer in `text` (headers, then the body as far as it was received). */
export function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = end < 0 ? '' : text.slice(end + 4);
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, code };
}

/** A connected socket and everything it has received so far. */
export interface RawConnection {
  socket: Socket;
  received: () => string;
  /** Resolves when the server has closed the connection (bounded by `timeoutMs`, then rejects). */
  closed: (timeoutMs: number) => Promise<string>;
}

/** Opens a connection; `localAddress` (another loopback address, e.g. 127.0.0.2) makes it a different client. */
export async function openRaw(url: string, localAddress?: string): Promise<RawConnection> {
  const { host, port } = targetOf(url);
  const socket = connect({ port, host, ...(localAddress && { localAddress }) });
  let text = '';
  let isClosed = false;
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  // A reset after the answer is fine: what was received is kept.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    isClosed = true;
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => text,
    closed: (timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        if (isClosed) return resolve(text);
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`the server kept the connection open for ${timeoutMs} ms; received: ${text.slice(0, 200)}`));
        }, timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(text);
        });
      }),
  };
}

/** Sends `request` as is (no normalisation of the path) and reads the answer until the server closes. */
export async function rawRequest(
  url: string,
  request: string | Buffer,
  options: { timeoutMs?: number; localAddress?: string } = {},
): Promise<RawAnswer> {
  const connection = await openRaw(url, options.localAddress);
  connection.socket.write(request);
  return parseAnswer(await connection.closed(options.timeoutMs ?? 10_000));
}

/** A request head with `Connection: close`, so the answer ends with the connection. */
export function head(method: string, target: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries({ host: 'localhost', connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
