import { randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Agent } from 'undici';
import {
  ApiProblem,
  type ApiProblemOptions,
  createThumbsmithClient,
  type Image,
  type ThumbsmithApi,
} from '../sdk/index.js';
import { plainStatus, plainWords } from './plain-words.js';

export type { Image };

export const isFinal = (image: Image): boolean => image.status === 'done' || image.status === 'failed';

/** `code` of an answer that is not the API's (a wrong `--server`, a proxy's error page). */
export const NOT_THUMBSMITH = 'CLI_NOT_THUMBSMITH';

/**
 * A failed call (the typed client's `ApiProblem`: status 0 = the server could not be reached), with what the CLI
 * needs on top: plain words, the next step to take, whether another try may help and how long the server asked to
 * wait.
 */
export class ClientError extends ApiProblem {
  /** From `Retry-After` (seconds); `undefined` when the server did not say. */
  readonly retryAfterMs: number | undefined;

  constructor(
    status: number,
    code?: string,
    detail?: string,
    options: ApiProblemOptions & { retryAfterMs?: number | undefined } = {},
  ) {
    super(status, code, detail, options);
    this.name = 'ClientError';
    this.retryAfterMs = options.retryAfterMs;
  }

  static fromAnswer(response: Response, body: unknown): ClientError {
    const problem = ApiProblem.of(response, body);
    const seconds = Number(response.headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 60) * 1000 : undefined;
    return new ClientError(problem.status, problem.code, problem.detail, {
      retryAfterMs,
      acceptedFormats: problem.acceptedFormats,
    });
  }

  /** In plain words, for a person at a terminal. */
  get plain(): string {
    if (this.status === 0) return `Could not reach the server (${this.detail ?? 'no answer'}).`;
    if (this.code === NOT_THUMBSMITH) return `The server's answer was not understood (${this.detail}).`;
    if (this.code) return plainWords(this.code, this.detail, this.acceptedFormats);
    return plainStatus(this.status);
  }

  /** What to do about it, when the person can do something; `null` when the plain words say it all. */
  get nextStep(): string | null {
    if (this.status === 0) {
      return 'Check that the server is running and that --server (or THUMBSMITH_URL) is its address.';
    }
    if (this.code === NOT_THUMBSMITH)
      return 'Check that --server (or THUMBSMITH_URL) is the address of a Thumbsmith server.';
    if (this.status === 401)
      return 'Pass a valid API key with --key (or THUMBSMITH_KEY); `thumbsmith keys create` makes one.';
    if (this.status === 403) return 'Use an API key allowed to do this, with --key (or THUMBSMITH_KEY).';
    if (this.transient || this.status >= 500) return 'Try again shortly; if it persists, see the server’s logs.';
    return null;
  }

  /** Worth another try: the server was unreachable, busy or restarting. */
  get transient(): boolean {
    return (
      this.status === 0 ||
      this.status === 429 ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504 ||
      this.code === 'TS_IDEMPOTENCY_IN_PROGRESS'
    );
  }

  /** Stops everything: no key, a refused key, a server that is not Thumbsmith. */
  get fatal(): boolean {
    return this.status === 401 || this.status === 403 || this.code === NOT_THUMBSMITH;
  }
}

/** `{ code, message, plain, nextStep }`: an error as `--json` and the lines report it. */
export interface ErrorReport {
  code: string | null;
  message: string;
  plain: string;
  nextStep: string | null;
}

export function errorReport(error: unknown): ErrorReport {
  if (error instanceof ClientError) {
    return {
      code: error.code ?? null,
      message: error.detail ?? error.message,
      plain: error.plain,
      nextStep: error.nextStep,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: null, message, plain: message, nextStep: null };
}

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  server: string;
  /** API key, sent as `Authorization: Bearer`. */
  key?: string | undefined;
}

const USER_AGENT = 'thumbsmith-cli';
/** The longest `?wait=` asked of the server; the call itself may take this long. */
export const WAIT_SECONDS = 20;
/** A call that is not a long-poll and carries no file gets an answer within this, or counts as unreachable. */
const CALL_TIMEOUT_MS = 15_000;
/** The liveness check before a run: a server that cannot answer it this fast is not worth waiting for. */
const PROBE_TIMEOUT_MS = 5_000;

const STATUSES: ReadonlySet<string> = new Set(['queued', 'processing', 'done', 'failed']);

/** The image in an answer, or a `NOT_THUMBSMITH` error. */
function imageOf(data: unknown, response: Response): Image {
  const image = data as Partial<Image> | undefined;
  if (typeof image?.id === 'string' && STATUSES.has(String(image.status)) && Array.isArray(image.variants)) {
    return image as Image;
  }
  throw new ClientError(response.status, NOT_THUMBSMITH, `${response.status} without an image in it`);
}

/** Quotes a file name for a multipart header the way browsers do (RFC 7578 §4.2; HTML's form encoding). */
const quoteFilename = (name: string) => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** A `multipart/form-data` body of one field `file`, streamed from the file, counting the bytes as they go. */
class MultipartStream {
  readonly #boundary = `----thumbsmith-${randomBytes(12).toString('hex')}`;
  readonly #head: Buffer;
  readonly #tail: Buffer;
  readonly #onBytes: (bytes: number) => void;
  /** The body's length in bytes, for `content-length`. */
  readonly length: number;

  constructor(file: File, onBytes: (bytes: number) => void = () => undefined) {
    this.#head = Buffer.from(
      `--${this.#boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoteFilename(file.name)}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    this.#tail = Buffer.from(`\r\n--${this.#boundary}--\r\n`);
    this.#onBytes = onBytes;
    this.length = this.#head.length + file.size + this.#tail.length;
  }

  get contentType(): string {
    return `multipart/form-data; boundary=${this.#boundary}`;
  }

  stream(file: Blob): ReadableStream<Uint8Array> {
    const { head, tail, onBytes } = { head: this.#head, tail: this.#tail, onBytes: this.#onBytes };
    async function* parts() {
      yield head;
      for await (const chunk of file.stream()) {
        onBytes(chunk.length);
        yield chunk;
      }
      yield tail;
    }
    return Readable.toWeb(Readable.from(parts())) as unknown as ReadableStream<Uint8Array>;
  }
}

/**
 * The Thumbsmith HTTP API from Node through the typed client (src/sdk, generated from the OpenAPI document): upload
 * streamed from disk with byte progress, get (long-polling with `?wait`, falling back to polling on servers without
 * it), delete, and thumbnail download streamed to a file. Every failure is a `ClientError`; an abort is rethrown.
 */
export class ThumbsmithClient {
  readonly #base: string;
  readonly #api: ThumbsmithApi;
  readonly #dispatcher: Agent;

  constructor(options: ClientOptions) {
    this.#base = options.server.replace(/\/+$/, '');
    // Bounds every connection and answer; the long-poll's answer comes within `WAIT_SECONDS`.
    this.#dispatcher = new Agent({
      connectTimeout: 5_000,
      headersTimeout: (WAIT_SECONDS + 10) * 1000,
      bodyTimeout: 30_000,
    });
    const dispatcher = this.#dispatcher;
    this.#api = createThumbsmithClient({
      baseUrl: this.#base,
      key: options.key,
      headers: { 'user-agent': USER_AGENT },
      // Node's fetch takes an undici dispatcher (not in the DOM's RequestInit type).
      fetch: (request) => fetch(request, { dispatcher } as unknown as RequestInit),
    });
  }

  get server(): string {
    return this.#base;
  }

  /** Closes the connections (an interrupted run exits without waiting for idle sockets). */
  close(): Promise<void> {
    return this.#dispatcher.destroy();
  }

  /** The data of a successful call, else a `ClientError` (status 0 for no answer, `NOT_THUMBSMITH` for nonsense). */
  async #call<Data>(call: Promise<{ data?: Data; error?: unknown; response: Response }>): Promise<Data> {
    let answer: Awaited<typeof call>;
    try {
      answer = await call;
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'AbortError') throw error;
      if (name === 'TimeoutError') throw new ClientError(0, undefined, 'no answer in time', { cause: error });
      // openapi-fetch parses a success's body: a server answering something else than JSON fails here.
      if (error instanceof SyntaxError) throw new ClientError(200, NOT_THUMBSMITH, 'not JSON', { cause: error });
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ClientError(0, undefined, cause?.code ?? cause?.message ?? (error as Error).message, { cause: error });
    }
    const { data, error, response } = answer;
    if (error !== undefined || !response.ok) throw ClientError.fromAnswer(response, error);
    return data as Data;
  }

  /** The image a call answered, checked to be one (a wrong server's JSON must not pass for an image). */
  async #image(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<Image> {
    const data = await this.#call(call);
    return imageOf(data, (await call).response);
  }

  /**
   * Why the address does not answer as a Thumbsmith server (its liveness route) within a few seconds, or `undefined`
   * when it does: a wrong address or another server then fails at once instead of being waited for.
   */
  async probe(): Promise<ClientError | undefined> {
    try {
      const health = await this.#call(this.#api.GET('/healthz', { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }));
      if (health?.status === 'ok') return undefined;
      return new ClientError(200, NOT_THUMBSMITH, '/healthz did not answer {"status":"ok"}');
    } catch (error) {
      if (error instanceof ClientError) return error;
      throw error;
    }
  }

  /**
   * Uploads a file as multipart field `file`, streaming it from disk; `onBytes` is told how many file bytes were
   * handed on since its last call. `idempotencyKey` makes a retry of an upload whose answer was lost answer the same
   * image instead of making a second one.
   */
  async upload(
    source: { path: string; name: string },
    options: { onBytes?: (bytes: number) => void; signal?: AbortSignal; idempotencyKey?: string } = {},
  ): Promise<Image> {
    // A Blob backed by the file: nothing is read until the body streams.
    const file = new File([await openAsBlob(source.path)], source.name);
    const multipart = new MultipartStream(file, options.onBytes);
    const answer = this.#api.POST('/v1/images', {
      body: { file },
      // openapi-fetch hands the serializer's stream to fetch as the request body (a FormData would be read into
      // memory first, and tells nothing of its progress); a stream body needs `duplex: 'half'`.
      bodySerializer: () => multipart.stream(file),
      duplex: 'half',
      headers: {
        accept: 'application/json',
        'content-type': multipart.contentType,
        'content-length': String(multipart.length),
        ...(options.idempotencyKey && { 'idempotency-key': options.idempotencyKey }),
      },
      ...(options.signal && { signal: options.signal }),
    });
    return this.#image(answer);
  }

  /** Asks the server to fetch an image from an http(s) URL (upload by URL); it answers before fetching. */
  async uploadUrl(url: string, options: { signal?: AbortSignal; idempotencyKey?: string } = {}): Promise<Image> {
    const answer = this.#api.POST('/v1/images', {
      body: { url },
      bodySerializer: JSON.stringify,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(options.idempotencyKey && { 'idempotency-key': options.idempotencyKey }),
      },
      ...(options.signal && { signal: options.signal }),
    });
    return this.#image(answer);
  }

  /** The image; with `waitSeconds` the server answers as soon as it is final, or after the wait. */
  async getImage(id: string, waitSeconds?: number, signal?: AbortSignal): Promise<Image> {
    const timeout = AbortSignal.timeout((waitSeconds ?? 0) * 1000 + CALL_TIMEOUT_MS);
    const answer = this.#api.GET('/v1/images/{id}', {
      params: { path: { id }, query: waitSeconds ? { wait: waitSeconds } : {} },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    return this.#image(answer);
  }

  async deleteImage(id: string): Promise<void> {
    await this.#call(
      this.#api.DELETE('/v1/images/{id}', {
        params: { path: { id } },
        parseAs: 'stream',
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      }),
    );
  }

  /** Writes a thumbnail to `destination` atomically (temp file, then rename); returns the bytes written. */
  async downloadThumbnail(id: string, preset: string, destination: string): Promise<number> {
    const body = await this.#call(
      this.#api.GET('/v1/images/{id}/thumbnails/{preset}', {
        params: { path: { id, preset } },
        parseAs: 'stream',
      }),
    );
    if (!body) throw new ClientError(200, NOT_THUMBSMITH, 'a thumbnail without a body');
    const temporary = `${destination}.part-${randomBytes(4).toString('hex')}`;
    let bytes = 0;
    try {
      await pipeline(
        Readable.fromWeb(body as WebReadableStream<Uint8Array>),
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
