import { someErrorInChain } from '../../domain/dependency-errors.js';
import { ThumbsmithError, toThumbsmithError } from '../../domain/errors.js';

/** Socket-level failures: the store is unreachable, whatever the request was. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** Error names that mean the store (or our access to it) is down or misconfigured, not that a request was wrong. */
const UNAVAILABLE_ERROR_NAMES = new Set([
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'CredentialsProviderError',
]);

/** Socket failures that some layers report only in the message (`socket hang up`, `aborted`, `read ECONNRESET`). */
const NETWORK_MESSAGE = /socket hang up|ECONNRESET|EPIPE|ETIMEDOUT|premature close|^aborted$|other side closed/i;

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function meansUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  return (
    (shape.code !== undefined && NETWORK_ERROR_CODES.has(shape.code)) ||
    (shape.name !== undefined && UNAVAILABLE_ERROR_NAMES.has(shape.name)) ||
    (status !== undefined && (status >= 500 || status === 429 || status === 401 || status === 403 || status === 301)) ||
    (error instanceof Error && NETWORK_MESSAGE.test(error.message))
  );
}

/**
 * Maps an SDK failure to the catalogue: network faults (a reset or a hang-up, also when the SDK wraps them or they
 * come from a body stream), timeouts, throttling, 5xx and access/bucket problems become `TS_STORAGE_UNAVAILABLE`
 * (retryable: the next attempt may find the store back); anything else (a request the server rejected as malformed)
 * is `TS_INTERNAL`. The detail names the operation, the key and the error's code, never the endpoint's address.
 */
export function s3Error(error: unknown, operation: string, key: string): ThumbsmithError {
  if (error instanceof ThumbsmithError) return error;
  if (!someErrorInChain(error, meansUnavailable)) return toThumbsmithError(error);
  const shape: SdkErrorShape = typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
  const status = shape.$metadata?.httpStatusCode;
  const reason = [shape.name, shape.code, status === undefined ? undefined : `HTTP ${status}`]
    .filter((part) => part !== undefined && part !== 'Error')
    .join(', ');
  return new ThumbsmithError('TS_STORAGE_UNAVAILABLE', `S3 ${operation} of ${key} failed (${reason || 'unknown'})`, {
    cause: error,
  });
}
