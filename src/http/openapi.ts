// The API document (served at /docs/json, checked in as docs/openapi.json): what the route schemas cannot say
// themselves. Routes declare their answers with `answer()` and `problems()` and name the shared headers and parameters;
// `describeApiRoute` (an onRoute hook) adds authentication and its answers to every /v1 route; `finishDocument`
// turns the names into references to the components declared here, so nothing is spelled twice.
import { Type } from '@fastify/type-provider-typebox';
import type { RouteOptions } from 'fastify';
import type { Scope } from '../domain/api-keys.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../domain/errors.js';
import { routeScope, THUMBNAIL_ROUTE } from './auth.js';
import { problemType } from './problem.js';

declare module 'fastify' {
  interface FastifySchema {
    /** Request parameters of the document only (not validated by Fastify): names of `PARAMETERS`. */
    'x-parameters'?: readonly ParameterName[];
    /** A request body of the document only, for a route that reads its body itself (see `documentedBody`). */
    'x-request-body'?: DocumentedBody;
  }
}

const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });

/** Response headers; `required` ones are sent on every answer that declares them (the contract test checks it). */
const HEADERS = {
  RequestId: {
    description: 'The request id (the caller’s `X-Request-Id` when short and plain, else generated); also in logs',
    required: true,
    schema: { type: 'string', example: 'req-1f3a9c' },
  },
  RateLimit: {
    description:
      'The caller’s remaining quota (IETF draft `RateLimit` header fields, a structured field: ' +
      '`"<policy>";r=<remaining>;t=<seconds to reset>`). Absent when rate limits are off.',
    schema: { type: 'string', example: '"per-key";r=117;t=12' },
  },
  RateLimitPolicy: {
    description:
      'The limits that apply (IETF draft `RateLimit-Policy`, a structured field: `"<policy>";q=<quota>;w=<window ' +
      'seconds>`). Absent when rate limits are off.',
    schema: { type: 'string', example: '"per-key";q=120;w=60' },
  },
  RetryAfter: {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: { type: 'integer', minimum: 0, example: 5 },
  },
  RetryAfterWhileNotReady: {
    description: 'Seconds to wait before asking again: sent with `TS_NOT_READY` (queued or processing)',
    schema: { type: 'integer', minimum: 0, example: 1 },
  },
  Location: {
    description: 'The image’s URL (`links.self`): poll it, or follow its `/events`',
    required: true,
    schema: { type: 'string', example: '/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2' },
  },
  ETag: {
    description: 'Strong validator: the SHA-256 of the thumbnail bytes, quoted (send it back in `If-None-Match`)',
    required: true,
    schema: { type: 'string', example: '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"' },
  },
  CacheControl: {
    description:
      '`public, max-age=604800`; `public, max-age=31536000, immutable` for a `?v=` URL whose version matches',
    required: true,
    schema: { type: 'string', example: 'public, max-age=604800' },
  },
  LastModified: {
    description: 'When the image last changed (second precision; `If-Modified-Since` → 304)',
    required: true,
    schema: { type: 'string', example: 'Mon, 07 Dec 2026 18:00:00 GMT' },
  },
  ContentDisposition: {
    description:
      '`inline` with a safe file name: the upload’s name (reduced to `[A-Za-z0-9._-]`), the preset, the format',
    required: true,
    schema: { type: 'string', example: 'inline; filename="holiday-small.webp"' },
  },
  EventStreamCacheControl: {
    description: '`no-store, no-transform`: proxies neither keep nor rewrite the stream',
    required: true,
    schema: { type: 'string', example: 'no-store, no-transform' },
  },
  WwwAuthenticate: {
    description: 'The scheme to authenticate with',
    required: true,
    schema: { type: 'string', example: 'Bearer realm="thumbsmith"' },
  },
};
type HeaderName = keyof typeof HEADERS;

/** The header each component describes (component names cannot always be header names: two `Retry-After`s). */
const HEADER_FIELD: Record<HeaderName, string> = {
  RequestId: 'X-Request-Id',
  RateLimit: 'RateLimit',
  RateLimitPolicy: 'RateLimit-Policy',
  RetryAfter: 'Retry-After',
  RetryAfterWhileNotReady: 'Retry-After',
  Location: 'Location',
  ETag: 'ETag',
  CacheControl: 'Cache-Control',
  LastModified: 'Last-Modified',
  ContentDisposition: 'Content-Disposition',
  EventStreamCacheControl: 'Cache-Control',
  WwwAuthenticate: 'WWW-Authenticate',
};

/** Headers on every /v1 answer (the rate-limit ones only while limits are on). */
const API_ANSWER_HEADERS: readonly HeaderName[] = ['RequestId', 'RateLimit', 'RateLimitPolicy'];

const PARAMETERS = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    description:
      'Makes the upload safe to retry: the same key with the same file or URL answers the same image; with a ' +
      'different one `422 TS_IDEMPOTENCY_MISMATCH`. 1-255 printable ASCII characters, no spaces.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    example: 'upload-2026-12-07-0001',
  },
  LastEventId: {
    name: 'Last-Event-ID',
    in: 'header',
    description: 'The `id` of the last event received: a reconnecting client (EventSource sends it) resumes after it',
    schema: { type: 'string', maxLength: 200 },
  },
  Signature: {
    name: 'sig',
    in: 'query',
    description: 'Signed URL: HMAC-SHA256 (base64url) of the key id, `exp` and the path. Needs `exp` and `kid`.',
    schema: { type: 'string', maxLength: 128 },
  },
  Expires: {
    name: 'exp',
    in: 'query',
    description: 'Signed URL: expiry in Unix seconds; after it the signature is refused (`403 TS_BAD_SIGNATURE`)',
    schema: { type: 'integer', minimum: 0, example: 1796745600 },
  },
  KeyId: {
    name: 'kid',
    in: 'query',
    description: 'Signed URL: id of the signing key (`SIGNING_KEYS`) that made `sig`',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$', example: 'k1' },
  },
  Signed: {
    name: 'signed',
    in: 'query',
    description:
      '`true`: the thumbnail URLs in the answer carry a signature (`exp`, `kid`, `sig`), so a page can embed them ' +
      'without a key. Needs `SIGNING_KEYS` on the server (else `400`).',
    schema: { type: 'string', enum: ['true'] },
  },
};
type ParameterName = keyof typeof PARAMETERS;

/** The RFC 9457 problem answer of each status the API sends (components.responses), with an example code. */
const PROBLEM_ANSWERS: Record<
  number,
  { name: string; description: string; example: ErrorCode; headers?: readonly HeaderName[] }
> = {
  400: { name: 'BadRequest', description: 'The request is not valid', example: 'TS_VALIDATION' },
  401: {
    name: 'Unauthorized',
    description: 'No API key, or an unknown or revoked one, while keys are required',
    example: 'TS_UNAUTHORIZED',
    headers: ['WwwAuthenticate'],
  },
  403: {
    name: 'Forbidden',
    description: 'The key lacks the route’s scope (`TS_FORBIDDEN`), or a signed URL is invalid (`TS_BAD_SIGNATURE`)',
    example: 'TS_FORBIDDEN',
  },
  404: { name: 'NotFound', description: 'No such image or preset (of this tenant)', example: 'TS_NOT_FOUND' },
  409: {
    name: 'Conflict',
    description: 'The image is not in a state for this (`TS_NOT_READY`, `TS_IMAGE_FAILED`, `TS_NOT_RETRYABLE`)',
    example: 'TS_NOT_READY',
    headers: ['RetryAfterWhileNotReady'],
  },
  414: {
    name: 'UriTooLong',
    description: 'A path parameter is longer than the router accepts',
    example: 'TS_URI_TOO_LONG',
  },
  413: {
    name: 'ContentTooLarge',
    description: 'The upload is larger than `MAX_UPLOAD_BYTES`',
    example: 'TS_UPLOAD_TOO_LARGE',
  },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The bytes are not an image of a supported format',
    example: 'TS_UNSUPPORTED_MEDIA',
  },
  422: {
    name: 'UnprocessableContent',
    description: 'The image cannot be taken (corrupt, over a limit), or the `Idempotency-Key` was used differently',
    example: 'TS_IMAGE_CORRUPT',
  },
  429: {
    name: 'TooManyRequests',
    description: 'Over the rate limit of the key or the address',
    example: 'TS_RATE_LIMITED',
    headers: ['RetryAfter'],
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'The render queue is full or a dependency is down: try again after `Retry-After`',
    example: 'TS_QUEUE_FULL',
    headers: ['RetryAfter'],
  },
};

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An example problem document of `code`, as problem.ts writes one. */
function problemExample(code: ErrorCode) {
  const { status, title } = ERROR_CATALOGUE[code];
  return {
    type: problemType(code),
    title,
    status,
    detail: `${title}.`,
    code,
    instance: '/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2',
    requestId: 'req-1f3a9c',
  };
}

type Headers = Record<string, { $ref: string }>;
const headerRefs = (names: readonly HeaderName[]): Headers =>
  Object.fromEntries(names.map((name) => [HEADER_FIELD[name], headerRef(name)]));

/**
 * One documented answer: its description, its content by media type (none for 204/304) and the shared headers it
 * carries. Fastify serializes by the media type the reply is sent with; the document lists each.
 */
export function answer(
  description: string,
  options: { content?: Record<string, unknown>; headers?: readonly HeaderName[] } = {},
) {
  const headers = headerRefs(options.headers ?? []);
  if (!options.content) return { type: 'null', description, headers } as const;
  const content = Object.fromEntries(Object.entries(options.content).map(([type, schema]) => [type, { schema }]));
  return { description, headers, content };
}

/** The problem+json answers of `statuses` (each a components.responses entry in the document). */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: problemAnswer(status).description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemRef } } },
    ]),
  );
}

const ProblemRef = Type.Ref('Problem');
const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function problemAnswer(status: number) {
  const known = PROBLEM_ANSWERS[status];
  if (!known) throw new Error(`No problem answer is documented for status ${status}`);
  return known;
}

/** The request parameters of the document only, by name (the route reads them itself). */
export const parameters = (...names: ParameterName[]) => ({ 'x-parameters': names });

interface DocumentedBody {
  description: string;
  /** Schema `$id` by media type. */
  content: Record<string, string>;
}

/** The request body forms of a route that reads its body itself (a stream, or parsed by hand): document only. */
export const documentedBody = (description: string, content: Record<string, string>) => ({
  'x-request-body': { description, content },
});

/** The `security` of a /v1 route needing `scope`, and the sentence saying so. */
function securityOf(url: string, scope: Scope) {
  const bearer = { bearerAuth: [] };
  if (url === THUMBNAIL_ROUTE) {
    return {
      security: [bearer, { signedUrl: [] }],
      sentence: `Needs an API key with the \`${scope}\` scope once any key exists, or a signed URL (\`sig\`, \`exp\`, \`kid\`).`,
    };
  }
  return { security: [bearer], sentence: `Needs an API key with the \`${scope}\` scope once any key exists.` };
}

/**
 * onRoute: every /v1 route gets its security requirement, the scope in its description, and the answers every API
 * route may give (validation, authentication, rate limits, outages); every other documented route is open
 * (`security: []`).
 */
export function describeApiRoute(route: RouteOptions): void {
  const schema = route.schema;
  // Fastify's automatic HEAD of a GET route comes with the GET's schema, already described.
  if (!schema || schema.hide || schema.security) return;
  if (!route.url.startsWith('/v1/')) {
    schema.security = [];
    return;
  }
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const scope = routeScope(methods[0] ?? 'GET', route.config?.scope);
  const { security, sentence } = securityOf(route.url, scope);
  schema.security = security;
  schema.description = schema.description ? `${schema.description}\n\n${sentence}` : sentence;
  // Any /v1 request may be malformed, unauthenticated, over its rate or meet a dependency outage; a path parameter
  // past the router's length limit answers 414.
  const everywhere = route.url.includes(':') ? [400, 401, 403, 414, 429, 503] : [400, 401, 403, 429, 503];
  schema.response = { ...(schema.response as object), ...problems(...everywhere) };
}

export interface DocumentOptions {
  version: string;
  publicUrl: string | undefined;
}

/** The document's static part: info, servers, tags and the shared components. */
export function documentBase(options: DocumentOptions) {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Thumbsmith',
      version: options.version,
      description:
        'Upload images, get thumbnails of every configured preset. Errors are RFC 9457 `application/problem+json` ' +
        'with a stable `code` (see docs/errors.md).\n\nAPI keys are off until the first key is created ' +
        '(`thumbsmith keys create`); from then on every `/v1` request needs `Authorization: Bearer <key>` with ' +
        'the route’s scope.',
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    // Relative, so "Try it out" calls the server that serves the page; the public address when one is configured.
    servers: [{ url: options.publicUrl ?? '/', description: 'This Thumbsmith server' }],
    tags: [
      { name: 'images', description: 'Upload, list, status, delete and retry' },
      { name: 'thumbnails', description: 'The rendered thumbnails' },
      { name: 'events', description: 'Status changes as Server-Sent Events' },
      { name: 'health', description: 'Liveness, readiness and metrics' },
    ],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`thumbsmith keys create --tenant <t> --scopes <s>`), as `Authorization: Bearer <key>`. ' +
            'Scopes: `read` (GET and HEAD), `upload` (upload, delete, retry), `admin` (every scope). Keys are ' +
            'required only once a key exists; until then the API is open and everything belongs to tenant ' +
            '`default`. The key decides the tenant: images of other tenants answer 404.',
        },
        signedUrl: {
          type: 'apiKey',
          in: 'query',
          name: 'sig',
          description:
            'A signed thumbnail URL (from an answer with `?signed=true`): `sig` goes with `exp` (expiry, Unix ' +
            'seconds) and `kid` (signing key id); no API key is needed.',
        },
      },
      headers: HEADERS,
      parameters: PARAMETERS,
      responses: Object.fromEntries(
        Object.values(PROBLEM_ANSWERS).map(({ name, description, example, headers }) => [
          name,
          {
            description,
            headers: headerRefs([...API_ANSWER_HEADERS, ...(headers ?? [])]),
            content: {
              [PROBLEM_CONTENT_TYPE]: {
                schema: schemaRef('Problem'),
                example: problemExample(example),
              },
            },
          },
        ]),
      ),
    },
  };
}

type Operation = Record<string, unknown> & {
  operationId?: string;
  parameters?: Array<Record<string, unknown>>;
  responses?: Record<string, Record<string, unknown>>;
  'x-parameters'?: readonly ParameterName[];
  'x-request-body'?: DocumentedBody;
};
type Document = { paths?: Record<string, Record<string, Operation>> };

/**
 * The last pass over the generated document: shared headers, parameters and problem answers become references to
 * their components, /v1 answers list the headers every API answer carries, and a HEAD sharing its GET's operation
 * gets an operation (and id) of its own.
 */
export function finishDocument<D extends Document>(document: D): D {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const get = item.get;
    if (item.head && item.head === get && get?.operationId) {
      item.head = { ...get, operationId: get.operationId.replace(/^get/, 'head') };
    }
    for (const operation of Object.values(item)) {
      finishOperation(operation, path.startsWith('/v1/'));
    }
  }
  return document;
}

function finishOperation(operation: Operation, isApi: boolean): void {
  const names = operation['x-parameters'];
  delete operation['x-parameters'];
  if (names) {
    operation.parameters = [
      ...(operation.parameters ?? []),
      ...names.map((name) => ({ $ref: `#/components/parameters/${name}` })),
    ];
  }
  const body = operation['x-request-body'];
  delete operation['x-request-body'];
  if (body) {
    const content = Object.entries(body.content).map(([type, id]) => [type, { schema: schemaRef(id) }]);
    operation.requestBody = { required: true, description: body.description, content: Object.fromEntries(content) };
  }
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    // A HEAD shares its GET's answers: those already finished are references.
    if (response.$ref) continue;
    const content = response.content as Record<string, unknown> | undefined;
    if (content?.[PROBLEM_CONTENT_TYPE]) {
      const responses = operation.responses as Record<string, unknown>;
      responses[status] = { $ref: `#/components/responses/${problemAnswer(Number(status)).name}` };
      continue;
    }
    // @fastify/swagger wraps each declared header in a schema: a reference is the header itself.
    const headers = Object.entries((response.headers ?? {}) as Record<string, { schema?: { $ref?: string } }>).map(
      ([field, header]) => [field, header.schema?.$ref ? { $ref: header.schema.$ref } : header],
    );
    const shared = isApi ? headerRefs(API_ANSWER_HEADERS) : headerRefs(['RequestId']);
    response.headers = { ...shared, ...Object.fromEntries(headers) };
  }
}
