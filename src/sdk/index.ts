// The typed client of the Thumbsmith API, generated from its OpenAPI document (docs/openapi.json → schema.ts by
// openapi-typescript) and called through openapi-fetch: the CLI, the web page and other programs
// (`import { createThumbsmithClient } from 'thumbsmith/client'`) use these types, so none of them can drift from the
// API. Runs wherever `fetch` does (Node 20+, browsers); imports nothing of the server.
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };

type JsonOf<Answer> = Answer extends { content: { 'application/json': infer Body } } ? Body : never;

/** An image as the API returns it (`GET /v1/images/{id}`). */
export type Image = JsonOf<paths['/v1/images/{id}']['get']['responses'][200]>;
export type ImageStatus = Image['status'];
/** One rendered preset of an image. */
export type Variant = Image['variants'][number];
/** One page of `GET /v1/images`. */
export type ImagePage = JsonOf<paths['/v1/images']['get']['responses'][200]>;

export type ThumbsmithApi = Client<paths>;

export interface ThumbsmithClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8000` (a path prefix is kept). */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer`. */
  key?: string | undefined;
  /** Headers sent with every request (e.g. a `user-agent`). */
  headers?: Record<string, string>;
  /** The fetch to call (default: the global one); e.g. one with a custom undici dispatcher. */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client of every documented operation: `client.GET('/v1/images/{id}', { params: { path: { id } } })`. */
export function createThumbsmithClient(options: ThumbsmithClientOptions): ThumbsmithApi {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers,
    ...(options.fetch && { fetch: options.fetch }),
  });
}

/**
 * openapi-fetch's `bodySerializer` for a multipart operation (the upload): every field of the typed body as a form
 * field, a `File` with its name. `client.POST('/v1/images', { body: { file }, bodySerializer: formData })`.
 */
export function formData(body: Record<string, string | Blob | undefined>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (value instanceof Blob) form.append(name, value, value instanceof File ? value.name : name);
    else form.append(name, value);
  }
  return form;
}

/**
 * A failed call: the HTTP status (0 when the server could not be reached) and, from the RFC 9457 problem document,
 * its stable `code` and `detail`.
 */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly detail: string | undefined;

  /** What the server accepts, when it refused bytes that are not an accepted image (`acceptedFormats`). */
  readonly acceptedFormats: readonly string[] | undefined;

  constructor(status: number, code?: string, detail?: string, options: ApiProblemOptions = {}) {
    super(detail ?? (status === 0 ? 'The server could not be reached' : `HTTP ${status}`), options);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.acceptedFormats = options.acceptedFormats;
  }

  /** From an answer that was not a success: its parsed `error` body (openapi-fetch's) and status. */
  static of(response: Response, body: unknown): ApiProblem {
    return problemFrom(response.status, body);
  }
}

export interface ApiProblemOptions {
  cause?: unknown;
  acceptedFormats?: readonly string[] | undefined;
}

/** The problem a parsed problem document describes; anything else (a proxy's HTML page) gives only the status. */
export function problemFrom(status: number, body: unknown): ApiProblem {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const accepted = problem.acceptedFormats;
  return new ApiProblem(
    status,
    typeof problem.code === 'string' ? problem.code : undefined,
    typeof problem.detail === 'string' ? problem.detail : undefined,
    Array.isArray(accepted) && accepted.every((format) => typeof format === 'string')
      ? { acceptedFormats: accepted }
      : {},
  );
}

/**
 * The data of a successful call, or an `ApiProblem` thrown: the server's problem, or status 0 when it could not be
 * reached (an abort is rethrown as it is). `const image = await must(client.GET(...))`.
 */
export async function must<Data>(call: Promise<{ data?: Data; error?: unknown; response: Response }>): Promise<Data> {
  let answer: Awaited<typeof call>;
  try {
    answer = await call;
  } catch (error) {
    if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiProblem(0, undefined, cause?.code ?? cause?.message ?? (error as Error).message, { cause: error });
  }
  const { data, error, response } = answer;
  if (error !== undefined || !response.ok) throw ApiProblem.of(response, error);
  return data as Data;
}
