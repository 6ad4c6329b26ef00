import { ThumbsmithError } from '../../domain/errors.js';
import type { InputFormat } from '../../domain/image.js';
import type { ImagingLimits } from '../limits.js';

/** What a metadata entry is called in each format, for messages. */
const ENTRY_NAMES: Partial<Record<InputFormat, string>> = {
  png: 'ancillary chunks',
  jpeg: 'APPn/COM segments',
  gif: 'extension blocks',
  webp: 'metadata chunks',
};

/** The counters of one walk; each throws the moment its limit is passed. */
export class StructureBudget {
  private entries = 0;
  private metadataBytes = 0;
  private scans = 0;
  private frames = 0;

  constructor(
    private readonly format: InputFormat,
    private readonly limits: ImagingLimits,
  ) {}

  get metadataLeft(): number {
    return this.limits.maxMetadataBytes - this.metadataBytes;
  }

  /** One metadata entry (a PNG ancillary chunk, a JPEG APPn/COM segment, a GIF extension, a WebP metadata chunk). */
  entry(): void {
    const limit = this.limits.maxAncillaryChunks;
    if (++this.entries > limit) {
      throw new ThumbsmithError(
        'TS_IMAGE_TOO_COMPLEX',
        `The ${this.format.toUpperCase()} has more ${ENTRY_NAMES[this.format] ?? 'metadata entries'} than the limit of ${limit}`,
        { extensions: { limit } },
      );
    }
  }

  metadata(bytes: number): void {
    this.metadataBytes += bytes;
    if (this.metadataLeft < 0) throw this.metadataTooLarge();
  }

  metadataTooLarge(): ThumbsmithError {
    const limit = this.limits.maxMetadataBytes;
    return new ThumbsmithError(
      'TS_IMAGE_METADATA_TOO_LARGE',
      `The ${this.format.toUpperCase()} carries more metadata than the limit of ${limit} bytes`,
      { extensions: { limit } },
    );
  }

  scan(): void {
    const limit = this.limits.maxJpegScans;
    if (++this.scans > limit) {
      throw new ThumbsmithError('TS_IMAGE_TOO_COMPLEX', `The JPEG has more scans than the limit of ${limit}`, {
        extensions: { limit },
      });
    }
  }

  frame(): void {
    const limit = this.limits.maxFrames;
    if (++this.frames > limit) {
      throw new ThumbsmithError(
        'TS_IMAGE_TOO_MANY_FRAMES',
        `The ${this.format.toUpperCase()} has more frames than the limit of ${limit}`,
        { extensions: { limit } },
      );
    }
  }
}
