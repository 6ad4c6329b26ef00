import type { ErrorCode } from './errors.js';
import type { OutputFormat } from './preset.js';

export const IMAGE_STATUSES = ['queued', 'processing', 'done', 'failed'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** Formats Thumbsmith can read (sniffed from the bytes, never from a name). */
export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'bmp', 'svg'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface OriginalInfo {
  /** Blob key of the uploaded bytes (derived server-side). */
  readonly key: string;
  readonly format: InputFormat;
  /** Width and height as displayed, i.e. after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly frames: number;
  /** The client's file name, sanitised; informational only. */
  readonly filename: string | null;
}

export interface Variant {
  readonly preset: string;
  /** Version of the preset definition that rendered this variant. */
  readonly presetVersion: string;
  readonly key: string;
  readonly width: number;
  readonly height: number;
  readonly format: OutputFormat;
  readonly contentType: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface ImageError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** The metadata row: the truth about one image. The queue only carries work. */
export interface ImageRecord {
  readonly id: string;
  readonly tenant: string;
  readonly status: ImageStatus;
  /**
   * The stored upload. `null` only for an image uploaded by URL whose original the worker has not fetched yet (see
   * `sourceUrl`); never `null` once the image is `done`.
   */
  readonly original: OriginalInfo | null;
  /** The URL the original is (or was) fetched from, for an image uploaded by URL; absent for file uploads. */
  readonly sourceUrl?: string;
  readonly variants: readonly Variant[];
  readonly error: ImageError | null;
  /** Attempts started so far (1 after the first claim). */
  readonly attempts: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly completedAt: Date | null;
  /** Webhook URL given with the upload (`callback_url`); absent when none was given. */
  readonly callbackUrl?: string;
}

/** An image whose original is stored. */
export type StoredImage = ImageRecord & { readonly original: OriginalInfo };

export const hasOriginal = (image: ImageRecord): image is StoredImage => image.original !== null;

/** A new row: a file upload with its `original`, or an upload by URL (`original: null`, `sourceUrl` set). */
export interface NewImage {
  readonly id: string;
  readonly tenant: string;
  readonly original: OriginalInfo | null;
  readonly sourceUrl?: string;
  readonly createdAt: Date;
  /** Webhook URL for this image's `image.done` / `image.failed` events. */
  readonly callbackUrl?: string;
}
