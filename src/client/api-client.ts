import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import type { ImageJson, VariantJson } from './image-json.js';
import { plainStatus, plainWords } from './plain-words.js';

export type { ImageJson };

export type Variant = VariantJson;

export const isFinal = (image: ImageJson): boolean => image.status === 'done' || image.status === 'failed';

/** A failed call: HTTP status (0 = the server could not be reached) and the problem document's code. */
export class ClientError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly detail: string | undefined;

  constructor(status: number, code?: string, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? (status === 0 ? 'The server could not be reached' : `HTTP ${status}`), options);
    this.name = 'ClientError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  /** In plain words, for a person at a terminal. */
  get plain(): string {
    if (this.status === 0) return `Could not reach the server (${this.detail ?? 'no answer'}).`;
    if (this.code) return plainWords(this.code, this.detail);
    return plainStatus(this.status);
  }

  /** Worth another try: the server was unreachable, busy or restarting. */
  get transient(): boolean {
    return (
      this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504
    );
  }

  /** Stops everything: no key, a refused key. */
  get fatal(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  server: string;
  /** API key, sent as `Authorization: Bearer`. */
  key?: string | undefined;
}

const USER_AGENT = 'thumbsmith-cli';
const WAIT_SECONDS = 20;
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 2000;

async function problemOf(status: number, body: Dispatcher.ResponseData['body']): Promise<ClientError> {
  const text = await body.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown };
    return new ClientError(
      status,
      typeof problem.code === 'string' ? problem.code : undefined,
      typeof problem.detail === 'string' ? problem.detail : undefined,
    );
  } catch {
    return new ClientError(status);
  }
}

/** The image of an upload the server accepted (`202`); anything else is its problem. */
async function accepted(response: Dispatcher.ResponseData): Promise<ImageJson> {
  if (response.statusCode !== 202) throw await problemOf(response.statusCode, response.body);
  return (await response.body.json()) as ImageJson;
}

/** Quotes a file name for a multipart header the way browsers do (RFC 7578 §4.2; HTML's form encoding). */
const quoteFilename = (name: string) => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/**
 * The Thumbsmith HTTP API from Node (undici): upload with byte progress, get (optionally long-polling with `?wait`,
 * falling back to polling with backoff on servers without it), delete, and thumbnail download to a file.
 */
export class ThumbsmithClient {
  readonly #base: string;
  readonly #headers: Record<string, string>;

  constructor(options: ClientOptions) {
    this.#base = options.server.replace(/\/+$/, '');
    this.#headers = { 'user-agent': USER_AGENT };
    if (options.key) this.#headers.authorization = `Bearer ${options.key}`;
  }

  get server(): string {
    return this.#base;
  }

  async #call(
    method: Dispatcher.HttpMethod,
    path: string,
    options: { headers?: Record<string, string>; body?: Readable | string; signal?: AbortSignal } = {},
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await request(`${this.#base}${path}`, {
        method,
        headers: { ...this.#headers, ...options.headers },
        body: options.body ?? null,
        signal: options.signal ?? null,
        headersTimeout: (WAIT_SECONDS + 30) * 1000,
        bodyTimeout: 120_000,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const cause = error as NodeJS.ErrnoException;
      throw new ClientError(0, undefined, cause.code ?? cause.message, { cause: error });
    }
  }

  async #json<T>(method: Dispatcher.HttpMethod, path: string, okStatus: number[]): Promise<T> {
    const response = await this.#call(method, path, { headers: { accept: 'application/json' } });
    if (!okStatus.includes(response.statusCode)) throw await problemOf(response.statusCode, response.body);
    return (await response.body.json()) as T;
  }

  /**
   * Uploads a file as multipart field `file`, streaming it from disk; `onBytes` is told how many file bytes were
   * handed to the socket since its last call.
   */
  async upload(
    file: { path: string; size: number; name: string },
    onBytes: (bytes: number) => void = () => undefined,
    signal?: AbortSignal,
  ): Promise<ImageJson> {
    const boundary = `----thumbsmith-${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoteFilename(file.name)}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    async function* parts() {
      yield head;
      for await (const chunk of createReadStream(file.path, { highWaterMark: 256 * 1024 })) {
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
      yield tail;
    }
    const response = await this.#call('POST', '/v1/images', {
      headers: {
        accept: 'application/json',
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + file.size + tail.length),
      },
      body: Readable.from(parts()),
      ...(signal && { signal }),
    });
    return accepted(response);
  }

  /** Asks the server to fetch an image from an http(s) URL (upload by URL); it answers before fetching. */
  async uploadUrl(url: string, signal?: AbortSignal): Promise<ImageJson> {
    const response = await this.#call('POST', '/v1/images', {
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
      ...(signal && { signal }),
    });
    return accepted(response);
  }

  /** Whether the server answers at all (its liveness route), within a few seconds. */
  async reachable(): Promise<boolean> {
    try {
      const response = await this.#call('GET', '/healthz', { signal: AbortSignal.timeout(5000) });
      await response.body.dump();
      return true;
    } catch {
      return false;
    }
  }

  /** The image; with `waitSeconds` the server answers as soon as it is final, or after the wait. */
  getImage(id: string, waitSeconds?: number): Promise<ImageJson> {
    const query = waitSeconds ? `?wait=${waitSeconds}` : '';
    return this.#json<ImageJson>('GET', `/v1/images/${encodeURIComponent(id)}${query}`, [200]);
  }

  /**
   * Waits until the image is `done` or `failed`, at most `timeoutMs`; then returns it as it is. A server that
   * answered once and is then briefly away (restarting, busy) is asked again until the deadline; one that never
   * answered fails at once (a wrong URL should not hang).
   */
  async waitFinal(id: string, timeoutMs: number, answeredBefore = false): Promise<ImageJson> {
    const deadline = Date.now() + timeoutMs;
    let pause = POLL_FIRST_MS;
    let answered = answeredBefore;
    for (;;) {
      const remaining = deadline - Date.now();
      const started = Date.now();
      let image: ImageJson;
      try {
        image = await this.getImage(id, Math.max(1, Math.min(WAIT_SECONDS, Math.floor(remaining / 1000))));
        answered = true;
      } catch (error) {
        if (!answered || !(error instanceof ClientError && error.transient) || Date.now() >= deadline) throw error;
        await sleep(Math.min(POLL_MAX_MS, Math.max(0, deadline - Date.now())));
        continue;
      }
      if (isFinal(image) || Date.now() >= deadline) return image;
      // A server without `?wait` answers at once: then poll, a little slower each time.
      if (Date.now() - started < 500) {
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
        pause = Math.min(pause * 1.5, POLL_MAX_MS);
      }
    }
  }

  async deleteImage(id: string): Promise<void> {
    const response = await this.#call('DELETE', `/v1/images/${encodeURIComponent(id)}`);
    if (response.statusCode !== 204 && response.statusCode !== 200) {
      throw await problemOf(response.statusCode, response.body);
    }
    await response.body.dump();
  }

  /** Writes a thumbnail to `destination` atomically (temp file, then rename); returns the bytes written. */
  async downloadThumbnail(id: string, preset: string, destination: string): Promise<number> {
    const path = `/v1/images/${encodeURIComponent(id)}/thumbnails/${encodeURIComponent(preset)}`;
    const response = await this.#call('GET', path);
    if (response.statusCode !== 200) throw await problemOf(response.statusCode, response.body);
    const temporary = `${destination}.part-${randomBytes(4).toString('hex')}`;
    let bytes = 0;
    try {
      await pipeline(
        response.body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(temporary),
      );
      await rename(temporary, destination);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return bytes;
  }
}
