/**
 * Error codes in plain words, for people rather than programs. Shared by the command-line client and the web page
 * (which imports this file directly), so both say the same thing about the same failure. No imports: it must build
 * for the browser as well as for Node.
 */
const PLAIN_WORDS: Readonly<Record<string, string>> = {
  TS_VALIDATION: 'The request was not understood.',
  TS_FILE_MISSING: 'No file was sent.',
  TS_REQUEST_TIMEOUT: 'The upload arrived too slowly, so the server stopped waiting; try again on a better connection.',
  TS_HEADERS_TOO_LARGE: 'The request’s headers were too large.',
  TS_URI_TOO_LONG: 'The address asked for was too long.',
  TS_UPLOAD_TOO_LARGE: 'The file is larger than this server accepts.',
  TS_UNSUPPORTED_MEDIA: 'This file is not an image.',
  TS_UNSUPPORTED_FORMAT: 'This image format is not supported.',
  TS_SVG_DISABLED: 'SVG images are turned off on this server.',
  TS_NOT_FOUND: 'This image does not exist (it may have been deleted).',
  TS_PRESET_NOT_FOUND: 'This server has no such thumbnail size.',
  TS_ROUTE_NOT_FOUND: 'This server does not offer that feature.',
  TS_METHOD_NOT_ALLOWED: 'This server does not allow that action.',
  TS_NOT_READY: 'The thumbnails are not ready yet.',
  TS_IMAGE_FAILED: 'The image could not be processed.',
  TS_IMAGE_CORRUPT: 'The image is damaged or incomplete, so it cannot be read.',
  TS_IMAGE_TOO_MANY_PIXELS: 'The image is too large (too many pixels) for this server.',
  TS_IMAGE_TOO_MANY_FRAMES: 'The animation has more frames than this server accepts.',
  TS_IMAGE_DIMENSIONS: 'The image has a size this server cannot make thumbnails of.',
  TS_IMAGE_TOO_COMPLEX: 'The image is built in a way that would take this server too much work to read.',
  TS_IMAGE_METADATA_TOO_LARGE:
    'The image carries more embedded information (text, colour profile) than this server accepts.',
  TS_RENDER_TIMEOUT: 'Making the thumbnails took too long.',
  TS_RENDER_MEMORY: 'Reading this image needs more memory than this server allows.',
  TS_RENDER_CRASHED: 'This image crashed the image reader, so it cannot be used.',
  TS_RENDER_INTERRUPTED: 'The server was interrupted while reading the image; try again shortly.',
  TS_ATTEMPTS_EXHAUSTED: 'The server tried several times and could not finish; you can retry later.',
  TS_NOT_RETRYABLE: 'Only a failed image can be retried.',
  TS_FETCH_FORBIDDEN_URL:
    'Only http:// and https:// links without a user name or password, to hosts this server allows, can be fetched.',
  TS_FETCH_BLOCKED_ADDRESS: 'That link points to a private or local network, which this server does not fetch from.',
  TS_FETCH_TOO_LARGE: 'The file at that link is larger than this server accepts.',
  TS_FETCH_TIMEOUT: 'The site at that link did not answer in time.',
  TS_FETCH_UPSTREAM_CLIENT_ERROR: 'The site at that link answered that the file is not there or may not be fetched.',
  TS_FETCH_UPSTREAM_SERVER_ERROR: 'The site at that link answered with a server error.',
  TS_FETCH_TOO_MANY_REDIRECTS: 'The link redirected too many times.',
  TS_FETCH_FAILED: 'The file at that link could not be fetched.',
  TS_STORAGE_UNAVAILABLE: 'The server’s storage is unavailable; try again shortly.',
  TS_DATABASE_UNAVAILABLE: 'The server’s database is unavailable; try again shortly.',
  TS_STORAGE_FULL: 'The server is out of disk space; try again later.',
  TS_QUEUE_UNAVAILABLE: 'The server’s job queue is unavailable; try again shortly.',
  TS_BLOB_MISSING: 'A stored file is missing on the server.',
  TS_SHUTTING_DOWN: 'The server is restarting; try again shortly.',
  TS_INTERNAL: 'Something went wrong on the server.',
  TS_INVALID_BLOB_KEY: 'Something went wrong on the server.',
  TS_INVALID_CALLBACK_URL: 'The callback address is not acceptable.',
  TS_INVALID_CURSOR: 'The list position is no longer valid; start again from the first page.',
  TS_WEBHOOK_REJECTED: 'The callback address did not accept the notification.',
  TS_UNAUTHORIZED: 'An API key is needed, or the key was not accepted.',
  TS_BAD_SIGNATURE: 'The link is not valid or has expired; ask for a new one.',
  TS_IDEMPOTENCY_MISMATCH: 'This request id was already used for a different file.',
  TS_IDEMPOTENCY_IN_PROGRESS: 'The same upload is still being accepted; try again in a moment.',
  TS_QUEUE_FULL: 'The server is busy with other images; try again in a little while.',
  // HTTP answers that may come without a catalogue code (a proxy in front, a newer server):
  TS_FORBIDDEN: 'This API key may not do that.',
  TS_RATE_LIMITED: 'Too many requests; slow down and try again shortly.',
};

/** How people write the names of the formats the server reports (`acceptedFormats`). */
const FORMAT_NAMES: Readonly<Record<string, string>> = { webp: 'WebP', heif: 'HEIF/HEIC' };

/**
 * Plain words for an error `code`; an unknown code falls back to the server's own `detail`, then a generic line. A
 * refusal of bytes that are not an accepted image says what the server accepts, when it said so (`accepted`).
 */
export function plainWords(
  code: string | undefined | null,
  detail?: string | null,
  accepted?: readonly string[] | null,
): string {
  const known = code ? PLAIN_WORDS[code] : undefined;
  if (known && accepted?.length && (code === 'TS_UNSUPPORTED_MEDIA' || code === 'TS_UNSUPPORTED_FORMAT')) {
    const names = accepted.map((format) => FORMAT_NAMES[format] ?? format.toUpperCase());
    return `${known} This server accepts ${names.join(', ')}.`;
  }
  if (known) return known;
  if (detail) return detail;
  return 'Something went wrong.';
}

/** Plain words for an HTTP status without a problem document (e.g. a proxy's answer). */
export function plainStatus(status: number): string {
  if (status === 401) return PLAIN_WORDS.TS_UNAUTHORIZED!;
  if (status === 403) return PLAIN_WORDS.TS_FORBIDDEN!;
  if (status === 404) return PLAIN_WORDS.TS_NOT_FOUND!;
  if (status === 413) return PLAIN_WORDS.TS_UPLOAD_TOO_LARGE!;
  if (status === 429) return PLAIN_WORDS.TS_RATE_LIMITED!;
  if (status >= 500) return `The server answered with an error (${status}); try again shortly.`;
  return `The server answered ${status}.`;
}
