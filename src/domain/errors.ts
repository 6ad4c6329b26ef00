/**
 * The error catalogue: every failure Thumbsmith reports has a stable code here.
 * Codes are part of the API. Never reuse or rename a retired code; add a new one.
 *
 * - `status`: the HTTP status the API answers with (mapped in one place, http/problem.ts).
 * - `retryable`: a job that fails with this code is tried again (with backoff) while attempts remain;
 *   `false` fails the image at once (a corrupt image stays corrupt).
 */
export const ERROR_CATALOGUE = {
  // request
  TS_VALIDATION: { status: 400, title: 'The request is not valid', retryable: false },
  TS_FILE_MISSING: { status: 400, title: 'The multipart field "file" is missing', retryable: false },
  TS_UPLOAD_TOO_LARGE: { status: 413, title: 'The upload is larger than allowed', retryable: false },
  TS_UNSUPPORTED_MEDIA: { status: 415, title: 'The content is not an image', retryable: false },
  TS_UNSUPPORTED_FORMAT: { status: 415, title: 'The image format is not supported', retryable: false },
  TS_SVG_DISABLED: { status: 415, title: 'SVG input is disabled by configuration', retryable: false },
  TS_NOT_FOUND: { status: 404, title: 'No such image', retryable: false },
  TS_PRESET_NOT_FOUND: { status: 404, title: 'No such preset', retryable: false },
  TS_ROUTE_NOT_FOUND: { status: 404, title: 'No such route', retryable: false },
  TS_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false },
  TS_NOT_READY: { status: 409, title: 'The thumbnail is not ready yet', retryable: false },
  TS_IMAGE_FAILED: { status: 409, title: 'The image failed to process', retryable: false },
  // image content (at upload when the header tells, in the job when only decoding tells)
  TS_IMAGE_CORRUPT: { status: 422, title: 'The image is corrupt or truncated', retryable: false },
  TS_IMAGE_TOO_MANY_PIXELS: { status: 422, title: 'The image has more pixels than allowed', retryable: false },
  TS_IMAGE_TOO_MANY_FRAMES: { status: 422, title: 'The image has more frames than allowed', retryable: false },
  TS_IMAGE_DIMENSIONS: { status: 422, title: 'The image dimensions are not acceptable', retryable: false },
  TS_IMAGE_TOO_COMPLEX: { status: 422, title: 'The image has more scans or chunks than allowed', retryable: false },
  TS_IMAGE_METADATA_TOO_LARGE: { status: 422, title: 'The image carries more metadata than allowed', retryable: false },
  TS_RENDER_TIMEOUT: { status: 422, title: 'Rendering took longer than the per-job time limit', retryable: false },
  TS_RENDER_MEMORY: { status: 422, title: 'Rendering needed more memory than the per-job limit', retryable: false },
  TS_RENDER_CRASHED: { status: 422, title: 'The image crashed the process rendering it', retryable: false },
  TS_ATTEMPTS_EXHAUSTED: { status: 500, title: 'The job failed on every attempt', retryable: false },
  // outbound fetch (upload-by-URL, webhooks)
  TS_FETCH_FORBIDDEN_URL: { status: 400, title: 'The URL is not allowed', retryable: false },
  TS_FETCH_BLOCKED_ADDRESS: { status: 400, title: 'The URL points to a non-public address', retryable: false },
  TS_FETCH_TOO_LARGE: { status: 413, title: 'The fetched body is larger than allowed', retryable: false },
  TS_FETCH_TIMEOUT: { status: 504, title: 'The URL did not answer in time', retryable: true },
  TS_FETCH_UPSTREAM_CLIENT_ERROR: { status: 422, title: 'The URL answered with a client error', retryable: false },
  TS_FETCH_UPSTREAM_SERVER_ERROR: { status: 502, title: 'The URL answered with a server error', retryable: true },
  TS_FETCH_TOO_MANY_REDIRECTS: { status: 422, title: 'The URL redirected too many times', retryable: false },
  TS_FETCH_FAILED: { status: 502, title: 'The URL could not be fetched', retryable: true },
  // infrastructure (transient)
  TS_STORAGE_UNAVAILABLE: { status: 503, title: 'Blob storage is unavailable', retryable: true },
  TS_DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable', retryable: true },
  TS_STORAGE_FULL: { status: 503, title: 'The server is out of disk space', retryable: true },
  TS_QUEUE_UNAVAILABLE: { status: 503, title: 'The job queue is unavailable', retryable: true },
  TS_BLOB_MISSING: { status: 500, title: 'A stored blob is missing', retryable: true },
  TS_SHUTTING_DOWN: { status: 503, title: 'The service is shutting down', retryable: true },
  TS_RENDER_INTERRUPTED: {
    status: 503,
    title: 'The process rendering the image was stopped from outside',
    retryable: true,
  },
  TS_INTERNAL: { status: 500, title: 'Internal error', retryable: true },
  // internal invariants (a server bug, never the client's fault)
  TS_INVALID_BLOB_KEY: { status: 500, title: 'A blob key is not valid', retryable: false },
  // access to operator endpoints
  TS_UNAUTHORIZED: { status: 401, title: 'Authentication is required', retryable: false },
  // image lifecycle (list, delete, retry, webhooks)
  TS_NOT_RETRYABLE: { status: 409, title: 'Only a failed image can be retried', retryable: false },
  TS_INVALID_CALLBACK_URL: { status: 400, title: 'The callback URL is not acceptable', retryable: false },
  TS_INVALID_CURSOR: { status: 400, title: 'The pagination cursor is not valid', retryable: false },
  TS_WEBHOOK_REJECTED: { status: 502, title: 'The webhook receiver did not accept the event', retryable: true },
  // security (issue 7)
  TS_FORBIDDEN: { status: 403, title: 'The API key lacks the scope this route needs', retryable: false },
  TS_BAD_SIGNATURE: { status: 403, title: 'The signed URL is invalid or expired', retryable: false },
  TS_IDEMPOTENCY_MISMATCH: {
    status: 422,
    title: 'This Idempotency-Key was used with a different file',
    retryable: false,
  },
  TS_RATE_LIMITED: { status: 429, title: 'Too many requests; slow down', retryable: true },
  TS_QUEUE_FULL: { status: 503, title: 'The render queue is full; try again later', retryable: true },
  TS_IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    title: 'The first request with this Idempotency-Key is still running',
    retryable: true,
  },
  // HTTP edge (issue 13)
  TS_REQUEST_TIMEOUT: { status: 408, title: 'The request arrived too slowly', retryable: true },
  TS_HEADERS_TOO_LARGE: { status: 431, title: 'The request line or headers are too large', retryable: false },
  TS_URI_TOO_LONG: { status: 414, title: 'A path parameter is too long', retryable: false },
} as const satisfies Record<string, { status: number; title: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/**
 * Whether asking again by hand (`POST /v1/images/{id}/retry`) can help an image that failed with `code`: a transient
 * failure can pass next time, and so can one whose automatic attempts ran out; a permanent one (a corrupt image, a
 * limit) fails the same way again.
 */
export function retryableByHand(code: ErrorCode): boolean {
  return code === 'TS_ATTEMPTS_EXHAUSTED' || ERROR_CATALOGUE[code].retryable;
}

/** A failure with a catalogue code; `detail` is safe to show to the client. */
export class ThumbsmithError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  /** Extra members for the problem document (e.g. `limit`, `retryAfterSeconds`). */
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; extensions?: Record<string, unknown> }) {
    super(detail ?? ERROR_CATALOGUE[code].title, { cause: options?.cause });
    this.name = 'ThumbsmithError';
    this.code = code;
    this.detail = detail ?? ERROR_CATALOGUE[code].title;
    this.extensions = options?.extensions ?? {};
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
  }
}

/**
 * Any thrown value as a catalogue error; unknown errors become `TS_INTERNAL` (retryable). Their message stays in the
 * cause, for the logs: it may name paths, hosts or addresses, which a detail never does.
 */
export function toThumbsmithError(error: unknown): ThumbsmithError {
  if (error instanceof ThumbsmithError) return error;
  return new ThumbsmithError('TS_INTERNAL', 'An unexpected error occurred.', { cause: error });
}

/** One line for a queue's record of why a job failed: the stable code when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof ThumbsmithError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
