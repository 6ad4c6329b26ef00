import { randomBytes } from 'node:crypto';
import http from 'node:http';

/**
 * The bench's HTTP client: plain node:http on keep-alive sockets, each upload written to the socket from memory in
 * one go. The client runs on the same cores as the service, which the ceiling does not share, so it has to cost as
 * little as possible. Measured per corpus image (2.2 MB on average, CPU user + system): this client 1.7-2 ms;
 * `fetch` with a FormData of a Blob 14 ms; the project's own client (src/client/api-client.ts, undici streaming the
 * file from disk) 9-10 ms.
 */
export class LeanClient {
  readonly #base: string;
  // Sockets are kept for the next request; without a limit, so that every long poll gets its own.
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(baseUrl: string) {
    this.#base = baseUrl.replace(/\/+$/, '');
  }

  /** POSTs `bytes` as the multipart field `file` to `/v1/images`; answers the status and the parsed JSON body. */
  upload(bytes: Uint8Array, filename: string): Promise<{ status: number; body: unknown }> {
    const boundary = `----thumbsmith-bench-${randomBytes(8).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename.replace(/"/g, '%22')}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const headers = {
      accept: 'application/json',
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + bytes.length + tail.length),
    };
    return this.#request('POST', '/v1/images', [head, bytes, tail], headers).then(json);
  }

  /** GETs `path` (e.g. `/v1/images/ID?wait=20`); answers the status and the parsed JSON body. */
  get(path: string): Promise<{ status: number; body: unknown }> {
    return this.#request('GET', path, [], { accept: 'application/json' }).then(json);
  }

  /** GETs `path` as text (e.g. `/metrics`). */
  text(path: string): Promise<{ status: number; text: string }> {
    return this.#request('GET', path, [], {});
  }

  close(): void {
    this.#agent.destroy();
  }

  #request(
    method: string,
    path: string,
    body: readonly Uint8Array[],
    headers: Record<string, string>,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = http.request(`${this.#base}${path}`, { method, agent: this.#agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      request.on('error', reject);
      for (const part of body) request.write(part);
      request.end();
    });
  }
}

function json({ status, text }: { status: number; text: string }): { status: number; body: unknown } {
  try {
    return { status, body: text === '' ? undefined : JSON.parse(text) };
  } catch (error) {
    throw new Error(`HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}`, { cause: error });
  }
}
