import { STATUS_CODES } from 'node:http';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_CATALOGUE, type ErrorCode, ThumbsmithError } from '../domain/errors.js';

/** RFC 9457 problem type URI of a code. */
export const problemType = (code: ErrorCode): string => `urn:thumbsmith:error:${code}`;

/** Fastify's and its plugins' own error codes, as catalogue errors. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_VALIDATION: 'TS_VALIDATION',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'TS_VALIDATION',
  FST_ERR_CTP_BODY_TOO_LARGE: 'TS_UPLOAD_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'TS_UPLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'TS_FILE_MISSING',
  FST_PARTS_LIMIT: 'TS_VALIDATION',
  FST_FILES_LIMIT: 'TS_VALIDATION',
  FST_FIELDS_LIMIT: 'TS_VALIDATION',
  FST_PROTO_VIOLATION: 'TS_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'TS_VALIDATION',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'TS_VALIDATION',
  FST_ERR_BAD_URL: 'TS_VALIDATION',
  FST_ERR_MAX_PARAM_LENGTH: 'TS_URI_TOO_LONG',
};

/**
 * The detail of a schema validation error: Fastify's wording (`querystring/limit must be <= 100`), except that a value
 * outside an enum is told the values allowed (`querystring/status must be one of: queued, processing, done, failed`),
 * taken from the schema itself. The value received is never repeated back.
 */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map((error) => `${dataVar}${error.instancePath} ${explain(error)}`).join(', '));
}

function explain({ keyword, params, message }: FastifySchemaValidationError): string {
  const allowed = params.allowedValues;
  if (keyword === 'enum' && Array.isArray(allowed)) return `must be one of: ${allowed.join(', ')}`;
  return message ?? 'is not valid';
}

export function asThumbsmithError(error: unknown): ThumbsmithError {
  if (error instanceof ThumbsmithError) return error;
  const fastifyError = error as Partial<FastifyError>;
  const mapped = fastifyError.code ? FRAMEWORK_CODES[fastifyError.code] : undefined;
  if (mapped) return new ThumbsmithError(mapped, fastifyError.message, { cause: error });
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new ThumbsmithError('TS_VALIDATION', fastifyError.message, { cause: error });
  }
  return new ThumbsmithError('TS_INTERNAL', 'An unexpected error occurred.', { cause: error });
}

function problemDocument(error: ThumbsmithError, requestId: string, instance?: string) {
  const { status, title } = ERROR_CATALOGUE[error.code];
  return {
    type: problemType(error.code),
    title,
    status,
    detail: error.detail,
    code: error.code,
    ...(instance !== undefined && { instance }),
    requestId,
    ...error.extensions,
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: ThumbsmithError): FastifyReply {
  const retryAfter = error.extensions.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  if (error.status === 503 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', '5');
  // No `Connection: close` for a body still arriving: it is read and discarded after the answer, within bounds
  // (http/request-limits.ts), so a client still sending gets to read the answer rather than a reset.
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(problemDocument(error, request.id, request.url));
}

/**
 * A whole HTTP/1.1 answer as bytes, for the moments Fastify has no reply to send it with: errors of the HTTP parser
 * (malformed requests, headers too large or too slow) and bodies cut for arriving too slowly. The connection closes.
 */
export function rawProblemResponse(error: ThumbsmithError, requestId: string): string {
  const body = JSON.stringify(problemDocument(error, requestId));
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'content-type: application/problem+json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'x-content-type-options: nosniff',
    `x-request-id: ${requestId}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

/** The one place errors become HTTP answers. */
export const problemPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error, request, reply) => {
      const problem = asThumbsmithError(error);
      if (problem.status >= 500) request.log.error({ err: error, code: problem.code }, 'request failed');
      else request.log.info({ code: problem.code, detail: problem.detail }, 'request rejected');
      return sendProblem(request, reply, problem);
    });
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        request,
        reply,
        new ThumbsmithError('TS_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url}.`),
      ),
    );
  },
  { name: 'thumbsmith-problem', fastify: '5.x' },
);
