import { plainStatus, plainWords } from '../../src/client/plain-words.js';
import {
  ApiProblem,
  createThumbsmithClient,
  type Image,
  type ImagePage,
  type ImageStatus,
  must,
  problemFrom,
  type ThumbsmithApi,
} from '../../src/sdk/index.js';
import { type KeyKeeper, KeyRefused } from './auth.js';

/** A failed API call (the sdk's problem: status, 0 when the server could not be reached, and code) in the page's words. */
export class ApiError extends ApiProblem {
  /** The failure in plain words, for the page. */
  get plain(): string {
    if (this.status === 0) return 'Could not reach the server. Check your connection and try again.';
    if (this.code) return plainWords(this.code, this.detail, this.acceptedFormats);
    return plainStatus(this.status);
  }

  /** The server does not have this route (an older server): the feature is hidden rather than shown broken. */
  get unsupported(): boolean {
    return this.code === 'TS_ROUTE_NOT_FOUND' || this.code === 'TS_METHOD_NOT_ALLOWED' || this.status === 405;
  }
}

/** Any failure of a call as an ApiError: a refused key is a 401, anything unexpected an unreachable server. */
export const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError ? error : error instanceof KeyRefused ? new ApiError(401) : new ApiError(0);

/**
 * The data of a successful sdk call, else an ApiError. What the page's own fetch threw (a refused key, an unreachable
 * server) comes out as it was thrown; the sdk's `must` wraps it as the cause of a status-0 problem.
 */
async function dataOf<Data>(call: Promise<{ data?: Data; error?: unknown; response: Response }>): Promise<Data> {
  try {
    return await must(call);
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    if (error.status === 0 && error.cause instanceof Error) throw error.cause;
    throw new ApiError(error.status, error.code, error.detail, { acceptedFormats: error.acceptedFormats });
  }
}

/** An ApiError from a problem document's text; anything else (a proxy's HTML page, say) gives only the status. */
function problemOf(status: number, text: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new ApiError(status);
  }
  const { code, detail, acceptedFormats } = problemFrom(status, body);
  return new ApiError(status, code, detail, { acceptedFormats });
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

const MAX_KEY_PROMPTS = 3;

/**
 * The Thumbsmith API as the page uses it: the generated client (src/sdk) for every documented call, so the page
 * cannot drift from the API; every request carries the API key when there is one.
 */
export class Api {
  readonly #keys: KeyKeeper;
  readonly #base: URL;
  readonly #client: ThumbsmithApi;

  constructor(keys: KeyKeeper, base = new URL('./', document.baseURI)) {
    this.#keys = keys;
    this.#base = base;
    this.#client = createThumbsmithClient({ baseUrl: base.href, fetch: (request) => this.#send(request) });
  }

  url(path: string): string {
    return new URL(path, this.#base).href;
  }

  /** fetch() with the key; a 401 asks for a key and tries again. Throws ApiError(0) when the server is unreachable. */
  async #send(request: Request): Promise<Response> {
    for (let prompt = 0; ; prompt++) {
      const headers = new Headers(request.headers);
      const key = this.#keys.key;
      if (key) headers.set('authorization', `Bearer ${key}`);
      let response: Response;
      try {
        // A clone per try: a body can be read once.
        response = await fetch(new Request(request.clone(), { headers }));
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        throw new ApiError(0);
      }
      this.#keys.heard(response.status, key);
      if (response.status !== 401 || prompt >= MAX_KEY_PROMPTS) return response;
      await response.body?.cancel();
      await this.#keys.ask(key !== null);
    }
  }

  listImages(query: { limit: number; cursor?: string | null; status?: ImageStatus | '' }): Promise<ImagePage> {
    return dataOf(
      this.#client.GET('/v1/images', {
        params: {
          query: {
            limit: query.limit,
            ...(query.cursor && { cursor: query.cursor }),
            ...(query.status && { status: query.status }),
          },
        },
      }),
    );
  }

  getImage(id: string): Promise<Image> {
    return dataOf(this.#client.GET('/v1/images/{id}', { params: { path: { id } } }));
  }

  retryImage(id: string): Promise<Image> {
    return dataOf(this.#client.POST('/v1/images/{id}/retry', { params: { path: { id } } }));
  }

  async deleteImage(id: string): Promise<void> {
    await dataOf(this.#client.DELETE('/v1/images/{id}', { params: { path: { id } } }));
  }

  thumbnail(id: string, preset: string): Promise<Blob> {
    return dataOf(
      this.#client.GET('/v1/images/{id}/thumbnails/{preset}', { params: { path: { id, preset } }, parseAs: 'blob' }),
    );
  }

  /** Opens the server-sent event stream of every image (the caller reads the body). */
  events(signal: AbortSignal, lastEventId: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    return this.#send(new Request(this.url('v1/events'), { signal, headers, cache: 'no-store' }));
  }

  /** Asks the server to fetch an image from a link (upload by URL); it answers at once, before the fetch. */
  uploadUrl(url: string): Promise<Image> {
    return dataOf(this.#client.POST('/v1/images', { body: { url } }));
  }

  /**
   * Uploads one file. XMLHttpRequest rather than the generated client: fetch reports no upload progress. The answer
   * is typed by the same document (`Image`).
   */
  async upload(file: File, onProgress: (progress: UploadProgress) => void, signal?: AbortSignal): Promise<Image> {
    for (let prompt = 0; ; prompt++) {
      const key = this.#keys.key;
      const { status, body } = await this.#post(file, key, onProgress, signal);
      this.#keys.heard(status, key);
      if (status === 202) return JSON.parse(body) as Image;
      if (status === 401 && prompt < MAX_KEY_PROMPTS) {
        await this.#keys.ask(key !== null);
        continue;
      }
      throw problemOf(status, body);
    }
  }

  #post(
    file: File,
    key: string | null,
    onProgress: (progress: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url('v1/images'));
      xhr.setRequestHeader('accept', 'application/json');
      if (key) xhr.setRequestHeader('authorization', `Bearer ${key}`);
      xhr.upload.addEventListener('progress', (event) => {
        onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
      });
      xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.responseText }));
      xhr.addEventListener('error', () => reject(new ApiError(0)));
      xhr.addEventListener('abort', () => reject(new DOMException('Upload cancelled', 'AbortError')));
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
  }
}
