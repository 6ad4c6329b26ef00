import { ThumbsmithError } from '../domain/errors.js';

/**
 * Maps a libvips failure while reading an image to a catalogue error. Once the bytes were sniffed and the header was
 * read, a failure to decode means the data is bad (non-retryable), except for the limits and timeout cases.
 */
export function decodeFailure(error: unknown): ThumbsmithError {
  if (error instanceof ThumbsmithError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return new ThumbsmithError('TS_IMAGE_TOO_MANY_PIXELS', 'The image has more pixels than allowed', { cause: error });
  }
  if (/timeout/i.test(message)) return new ThumbsmithError('TS_RENDER_TIMEOUT', undefined, { cause: error });
  if (/unsupported image format/i.test(message)) {
    return new ThumbsmithError('TS_UNSUPPORTED_FORMAT', undefined, { cause: error });
  }
  return new ThumbsmithError('TS_IMAGE_CORRUPT', `The image could not be decoded: ${firstLine(message)}`, {
    cause: error,
  });
}

/** Maps a failure while resizing or encoding already-decoded pixels. */
export function encodeFailure(error: unknown): ThumbsmithError {
  if (error instanceof ThumbsmithError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/timeout/i.test(message)) return new ThumbsmithError('TS_RENDER_TIMEOUT', undefined, { cause: error });
  if (/too large/i.test(message)) {
    return new ThumbsmithError('TS_IMAGE_DIMENSIONS', `The output is too large: ${firstLine(message)}`, {
      cause: error,
    });
  }
  return new ThumbsmithError('TS_INTERNAL', `Encoding failed: ${firstLine(message)}`, { cause: error });
}

/**
 * libvips messages can span lines and name internals; the first line is enough for a client. Loaders prefix some
 * messages with the file they read (`/data/blobs/originals/img_…: bad seek to …`): server paths are not for clients.
 */
function firstLine(message: string): string {
  const line = message.split('\n')[0]!.trim();
  return line.replace(/(^|[\s'"(=])\/[^\s'"():]*/g, '$1<input>').slice(0, 200);
}
