import type { Insertable, Selectable } from 'kysely';
import { isErrorCode } from '../../domain/errors.js';
import type { ImageError, ImageRecord, NewImage, OriginalInfo, Variant } from '../../domain/image.js';
import type { ImagesTable } from './schema.js';

export type ImageRow = Selectable<ImagesTable>;

/** A Date as the epoch milliseconds stored in the row; an invalid Date is a caller bug, not a value to store. */
export function toEpochMs(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('Invalid Date');
  return ms;
}

export function toImageInsert(image: NewImage): Insertable<ImagesTable> {
  const createdAt = toEpochMs(image.createdAt);
  if (image.original === null && image.sourceUrl === undefined) {
    throw new TypeError(`Image ${image.id} has neither an original nor a source URL`);
  }
  return {
    id: image.id,
    tenant: image.tenant,
    status: 'queued',
    ...(image.original === null ? { original_filename: null } : toOriginalColumns(image.original)),
    source_url: image.sourceUrl ?? null,
    variants: '[]',
    error_code: null,
    error_message: null,
    attempts: 0,
    created_at: createdAt,
    updated_at: createdAt,
    completed_at: null,
    callback_url: image.callbackUrl ?? null,
  };
}

/** The columns of a stored original (an upload by URL gets them when its fetch is done). */
export function toOriginalColumns(original: OriginalInfo) {
  return {
    original_key: original.key,
    original_format: original.format,
    original_width: original.width,
    original_height: original.height,
    original_bytes: original.bytes,
    original_sha256: original.sha256,
    original_frames: original.frames,
    original_filename: original.filename,
  };
}

/** Variants as stored: only the fields of `Variant`, in a fixed order, whatever else the objects carry. */
export function serializeVariants(variants: readonly Variant[]): string {
  return JSON.stringify(
    variants.map((variant) => ({
      preset: variant.preset,
      presetVersion: variant.presetVersion,
      key: variant.key,
      width: variant.width,
      height: variant.height,
      format: variant.format,
      contentType: variant.contentType,
      bytes: variant.bytes,
      sha256: variant.sha256,
    })),
  );
}

export function toImageRecord(row: ImageRow): ImageRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    original: toOriginalInfo(row),
    variants: parseVariants(row.variants),
    error: toImageError(row.error_code, row.error_message),
    attempts: row.attempts,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    completedAt: row.completed_at === null ? null : new Date(Number(row.completed_at)),
    // Only present when set, so a record without a callback reads exactly as before the column existed.
    ...(row.callback_url != null && { callbackUrl: row.callback_url }),
    ...(row.source_url != null && { sourceUrl: row.source_url }),
  };
}

// The original's columns are written together (toOriginalColumns), so one null means all are.
function toOriginalInfo(row: ImageRow): OriginalInfo | null {
  if (row.original_key === null) return null;
  return {
    key: row.original_key,
    format: row.original_format as OriginalInfo['format'],
    width: Number(row.original_width),
    height: Number(row.original_height),
    bytes: Number(row.original_bytes),
    sha256: row.original_sha256 as string,
    frames: Number(row.original_frames),
    filename: row.original_filename,
  };
}

function parseVariants(text: string): Variant[] {
  const parsed: unknown = JSON.parse(text);
  // Written only by serializeVariants, so the shape is known; the check guards against hand-edited rows.
  if (!Array.isArray(parsed)) throw new TypeError('images.variants is not a JSON array');
  return parsed as Variant[];
}

function toImageError(code: string | null, message: string | null): ImageError | null {
  if (code === null) return null;
  // A code this build does not know (written by a newer version) still reads as an error, not as success.
  return { code: isErrorCode(code) ? code : 'TS_INTERNAL', message: message ?? '' };
}
