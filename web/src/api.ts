import { plainStatus, plainWords } from '../../src/client/plain-words.js';
import type { KeyKeeper } from './auth.js';
import type { ImageJson, ImagePage, ImageStatus } from './types.js';

/** A failed API call: the HTTP status (0 when the server could not be reached) and the problem's code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly detail: string | undefined;

  constructor(status: number, code?: string, detail?: string) {
    super(detail ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  /** The failure in plain words, for the page. */
  get plain(): string {
    if (this.status === 0) return 'Could not reach the server. Check your connection and try again.';
    if (this.code) return plainWords(this.code, this.detail);
    return plainStatus(this.status);
  }

  /** The server does not have this route (an older server): the feature is hidden rather than shown broken. */
  get unsupported(): boolean {
    return this.code === 'TS_ROUTE_NOT_FOUND' || this.code === 'TS_METHOD_NOT_ALLOWED' || this.status === 405;
  }
}

async function problemOf(response: Response): Promise<ApiError> {
  let code: string | undefined;
  let detail: string | undefined;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      const body = (await response.json()) as { code?: unknown; detail?: unknown };
      if (typeof body.code === 'string') code = body.code;
      if (typeof body.detail === 'string') detail = body.detail;
    } catch {
      // not a problem document after all
    }
  }
  return new ApiError(response.status, code, detail);
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

const MAX_KEY_PROMPTS = 3;

/** The Thumbsmith API as the page uses it; every call carries the API key when there is one. */
export class Api {
  readonly #keys: KeyKeeper;
  readonly #base: URL;

  constructor(keys: KeyKeeper, base = new URL('./', document.baseURI)) {
    this.#keys = keys;
    this.#base = base;
  }

  url(path: string): string {
    return new URL(path, this.#base).href;
  }

  #headers(extra?: HeadersInit): Headers {
    const headers = new Headers(extra);
    const key = this.#keys.key;
    if (key) headers.set('authorization', `Bearer ${key}`);
    return headers;
  }

  /** fetch() with the key; a 401 asks for a key and tries again. Throws ApiError(0) when the server is unreachable. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    for (let prompt = 0; ; prompt++) {
      let response: Response;
      try {
        response = await fetch(this.url(path), { ...init, headers: this.#headers(init.headers) });
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        throw new ApiError(0);
      }
      if (response.status !== 401 || prompt >= MAX_KEY_PROMPTS) return response;
      await response.body?.cancel();
      await this.#keys.ask(this.#keys.key !== null);
    }
  }

  async #json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json');
    const response = await this.fetch(path, { ...init, headers });
    if (!response.ok) throw await problemOf(response);
    return (await response.json()) as T;
  }

  listImages(query: { limit: number; cursor?: string | null; status?: ImageStatus | '' }): Promise<ImagePage> {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.status) params.set('status', query.status);
    return this.#json<ImagePage>(`v1/images?${params}`);
  }

  getImage(id: string): Promise<ImageJson> {
    return this.#json<ImageJson>(`v1/images/${encodeURIComponent(id)}`);
  }

  retryImage(id: string): Promise<ImageJson> {
    return this.#json<ImageJson>(`v1/images/${encodeURIComponent(id)}/retry`, { method: 'POST' });
  }

  async deleteImage(id: string): Promise<void> {
    const response = await this.fetch(`v1/images/${encodeURIComponent(id)}`, { method: 'DELETE' });
    if (!response.ok) throw await problemOf(response);
  }

  async thumbnail(id: string, preset: string): Promise<Blob> {
    const path = `v1/images/${encodeURIComponent(id)}/thumbnails/${encodeURIComponent(preset)}`;
    const response = await this.fetch(path);
    if (!response.ok) throw await problemOf(response);
    return response.blob();
  }

  /** Opens the server-sent event stream of every image (the caller reads the body). */
  events(signal: AbortSignal, lastEventId: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    return this.fetch('v1/events', { signal, headers, cache: 'no-store' });
  }

  /** Asks the server to fetch an image from a link (upload by URL); it answers at once, before the fetch. */
  uploadUrl(url: string): Promise<ImageJson> {
    return this.#json<ImageJson>('v1/images', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
  }

  /** Uploads one file with XMLHttpRequest, which (unlike fetch) reports upload progress. */
  async upload(file: File, onProgress: (progress: UploadProgress) => void, signal?: AbortSignal): Promise<ImageJson> {
    for (let prompt = 0; ; prompt++) {
      const { status, body } = await this.#send(file, onProgress, signal);
      if (status === 202) return JSON.parse(body) as ImageJson;
      if (status === 401 && prompt < MAX_KEY_PROMPTS) {
        await this.#keys.ask(this.#keys.key !== null);
        continue;
      }
      let problem: { code?: string; detail?: string } = {};
      try {
        problem = JSON.parse(body) as typeof problem;
      } catch {
        // a proxy's HTML page, say
      }
      throw new ApiError(status, problem.code, problem.detail);
    }
  }

  #send(
    file: File,
    onProgress: (progress: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url('v1/images'));
      this.#headers({ accept: 'application/json' }).forEach((value, name) => {
        xhr.setRequestHeader(name, value);
      });
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
