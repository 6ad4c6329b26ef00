/**
 * The structural walk: before any decoder sees a file, its container structure (PNG chunks, JPEG marker segments and
 * scans, GIF blocks, WebP chunks, the TIFF page chain) is walked once and counted against the limits. It stops small
 * files that demand large work from a decoder: metadata that inflates to gigabytes, thousands of progressive scans,
 * millions of metadata entries or pages.
 *
 * The walk is itself bounded: it reads the input in windows of {@link WINDOW_BYTES} (plus at most one compressed
 * metadata chunk, never larger than the metadata budget), is linear in the file size, never allocates from a declared
 * length beyond what the budget allows, and inflates at most the remaining budget. It is not a validator: a length
 * that runs past the end of the file stops the walk (what was seen is all there is), and the decoder then reports
 * the damage as it always has. Only a metadata chunk's declared length counts even when it runs past the end: it is
 * what a decoder would allocate.
 */
import { kMaxLength } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';
import { constants, inflateSync } from 'node:zlib';
import { ThumbsmithError } from '../domain/errors.js';
import type { InputFormat } from '../domain/image.js';
import type { ImageInput } from './input.js';
import type { ImagingLimits } from './limits.js';

/** How much of a file is read at a time. */
const WINDOW_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Throws `TS_IMAGE_TOO_COMPLEX` (too many JPEG scans or metadata entries), `TS_IMAGE_METADATA_TOO_LARGE` (too many
 * metadata bytes, compressed PNG chunks counted inflated) or `TS_IMAGE_TOO_MANY_FRAMES` (GIF and WebP frames
 * and TIFF pages counted in the walk). Formats without a walk (HEIF/AVIF, BMP, SVG) pass unchanged.
 */
export async function assertStructureWithinLimits(
  input: ImageInput,
  format: InputFormat,
  limits: ImagingLimits,
): Promise<void> {
  const walk = WALKS[format];
  if (!walk) return;
  const reader = await ByteReader.open(input);
  try {
    await walk(reader, new StructureBudget(format, limits));
  } finally {
    await reader.close();
  }
}

type Walk = (reader: ByteReader, budget: StructureBudget) => Promise<void>;

const WALKS: Partial<Record<InputFormat, Walk>> = {
  jpeg: walkJpeg,
  png: walkPng,
  gif: walkGif,
  webp: walkWebp,
  tiff: walkTiff,
};

/** Sequential reads over a file (a window at a time) or a buffer. Positions may run past the end: reads then are empty. */
class ByteReader {
  position = 0;
  private window: Buffer;
  private windowStart = 0;

  private constructor(
    readonly size: number,
    private readonly file: FileHandle | undefined,
    whole: Buffer,
  ) {
    this.window = whole;
  }

  static async open(input: ImageInput): Promise<ByteReader> {
    if ('buffer' in input) return new ByteReader(input.buffer.length, undefined, input.buffer);
    const file = await open(input.path, 'r');
    try {
      return new ByteReader((await file.stat()).size, file, EMPTY);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.file?.close();
  }

  get remaining(): number {
    return Math.max(0, this.size - this.position);
  }

  /** Up to `length` bytes at `position` (fewer at the end of the input), without moving. */
  async peekAt(position: number, length: number): Promise<Buffer> {
    const offset = position - this.windowStart;
    if (offset >= 0 && offset + length <= this.window.length) return this.window.subarray(offset, offset + length);
    if (position >= this.size) return EMPTY;
    if (!this.file) return this.window.subarray(offset, offset + length); // the whole buffer, shorter at its end
    await this.load(position, length);
    return this.window.subarray(0, length);
  }

  /** Whatever the window holds from `position` on (a new window when it holds nothing there). */
  async restFrom(position: number): Promise<Buffer> {
    const offset = position - this.windowStart;
    if (offset >= 0 && offset < this.window.length) return this.window.subarray(offset);
    if (!this.file || position >= this.size) return EMPTY;
    await this.load(position, WINDOW_BYTES);
    return this.window;
  }

  private async load(position: number, length: number): Promise<void> {
    const window = Buffer.allocUnsafe(Math.min(this.size - position, Math.max(length, WINDOW_BYTES)));
    const { bytesRead } = await this.file!.read(window, 0, window.length, position);
    this.window = window.subarray(0, bytesRead);
    this.windowStart = position;
  }

  /** Up to `length` bytes from the current position, moving past them. */
  async take(length: number): Promise<Buffer> {
    const bytes = await this.peekAt(this.position, length);
    this.position += length;
    return bytes;
  }

  skip(length: number): void {
    this.position += length;
  }

  /**
   * The position of the next `byte` at or after the current position that `followedBy` accepts the byte after (or
   * that ends the input), or -1 when there is none. Searches a window at a time.
   */
  async find(byte: number, followedBy: (next: number) => boolean): Promise<number> {
    for (let from = this.position; ; ) {
      const chunk = await this.restFrom(from);
      if (chunk.length === 0) return -1;
      let at = chunk.indexOf(byte);
      while (at >= 0 && at + 1 < chunk.length && !followedBy(chunk[at + 1]!)) at = chunk.indexOf(byte, at + 1);
      if (at < 0) {
        from += chunk.length;
        continue;
      }
      if (at + 1 < chunk.length) return from + at;
      // The byte ends the window: read on from it to see the next one.
      const next = (await this.peekAt(from + at, 2))[1];
      if (next === undefined || followedBy(next)) return from + at;
      from += at + 1;
    }
  }
}

/** What a metadata entry is called in each format, for messages. */
const ENTRY_NAMES: Partial<Record<InputFormat, string>> = {
  png: 'ancillary chunks',
  jpeg: 'APPn/COM segments',
  gif: 'extension blocks',
  webp: 'metadata chunks',
};

/** The counters of one walk; each throws the moment its limit is passed. */
class StructureBudget {
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

// ---- JPEG -------------------------------------------------------------------------------------------------------

const SOS = 0xda;
const EOI = 0xd9;

/** After `FF`: a stuffed `00` and the restart markers `D0`..`D7` belong to the entropy-coded data. */
const isMarkerCode = (next: number) => next !== 0x00 && (next & 0xf8) !== 0xd0;

/**
 * Walks marker segments and the entropy-coded data between them. In scan data, `FF 00` is a stuffed byte and
 * `FF D0`..`FF D7` a restart marker; any other `FF xx` is the next marker. Bytes that are not a marker where one is
 * due are skipped, as libjpeg does.
 */
async function walkJpeg(reader: ByteReader, budget: StructureBudget): Promise<void> {
  reader.skip(2); // SOI
  for (;;) {
    const at = await reader.find(0xff, isMarkerCode);
    if (at < 0) return;
    reader.position = at;
    const code = (await reader.take(2))[1];
    if (code === undefined || code === EOI) return;
    if (code === 0xff) {
      reader.position = at + 1; // a fill byte; the marker follows
      continue;
    }
    if (code === 0x01 || code === 0xd8) continue; // TEM, SOI: no length field
    const header = await reader.take(2);
    if (header.length < 2) return;
    const length = header.readUInt16BE(0) - 2;
    if (length < 0 || length > reader.remaining) return;
    if (code === SOS) budget.scan();
    else if ((code >= 0xe0 && code <= 0xef) || code === 0xfe) {
      budget.entry();
      budget.metadata(length);
    }
    reader.skip(length);
  }
}

// ---- PNG --------------------------------------------------------------------------------------------------------

/** Chunks decoders keep in memory as metadata; other ancillary chunks count as entries only (they are skipped). */
const PNG_METADATA_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt', 'iCCP', 'eXIf']);
/** APNG frame control and data: ancillary by name, but image data; frames are bounded by MAX_FRAMES. */
const APNG_CHUNKS = new Set(['acTL', 'fcTL', 'fdAT']);

async function walkPng(reader: ByteReader, budget: StructureBudget): Promise<void> {
  reader.skip(8); // signature
  for (;;) {
    const header = await reader.take(8);
    if (header.length < 8) return;
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (type === 'IEND') return;
    const ancillary = (header[4]! & 0x20) !== 0;
    if (ancillary && !APNG_CHUNKS.has(type)) budget.entry();
    // The declared length is what a decoder allocates for a metadata chunk, so it counts before the end is checked.
    if (PNG_METADATA_CHUNKS.has(type) && length > budget.metadataLeft) throw budget.metadataTooLarge();
    if (length + 4 > reader.remaining) return;
    if (PNG_METADATA_CHUNKS.has(type)) {
      budget.metadata(type === 'tEXt' || type === 'eXIf' ? length : await inflatedSize(reader, length, type, budget));
    }
    reader.skip(length + 4); // data, CRC
  }
}

/**
 * The size a compressed chunk inflates to (at least its stored size), inflating never more than what is left of the
 * budget. A chunk whose text is not valid zlib counts its stored size: decoders skip such a chunk.
 */
async function inflatedSize(
  reader: ByteReader,
  length: number,
  type: string,
  budget: StructureBudget,
): Promise<number> {
  const data = await reader.peekAt(reader.position, length);
  const compressed = compressedPart(data, type);
  if (!compressed) return data.length;
  try {
    const inflated = inflateSync(compressed, {
      // zlib refuses a bound above the largest Buffer; no chunk could inflate past that anyway.
      maxOutputLength: Math.min(kMaxLength, Math.max(1, budget.metadataLeft)),
      // A truncated stream yields what it has, as a decoder would read it, rather than an error.
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    return Math.max(data.length, inflated.length);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw budget.metadataTooLarge();
    return data.length;
  }
}

/** The zlib stream inside a zTXt/iCCP (`name NUL method data`) or a compressed iTXt; undefined when there is none. */
function compressedPart(data: Buffer, type: string): Buffer | undefined {
  const nameEnd = data.indexOf(0);
  if (nameEnd < 0) return undefined;
  if (type !== 'iTXt') return data.subarray(nameEnd + 2);
  // iTXt: keyword NUL, compression flag, method, language NUL, translated keyword NUL, text.
  if (data[nameEnd + 1] !== 1) return undefined;
  const languageEnd = data.indexOf(0, nameEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  return translatedEnd < 0 ? undefined : data.subarray(translatedEnd + 1);
}

// ---- GIF --------------------------------------------------------------------------------------------------------

const GIF_EXTENSION = 0x21;
const GIF_IMAGE = 0x2c;
const GIF_GRAPHIC_CONTROL = 0xf9;

/** Blocks after the header: extensions (counted as metadata, except the per-frame graphic control) and frames. */
async function walkGif(reader: ByteReader, budget: StructureBudget): Promise<void> {
  const screen = await reader.take(13);
  if (screen.length < 13) return;
  reader.skip(colourTableBytes(screen[10]!));
  for (;;) {
    const block = (await reader.take(1))[0];
    if (block === GIF_EXTENSION) {
      const label = (await reader.take(1))[0];
      const bytes = await skipSubBlocks(reader);
      if (label !== GIF_GRAPHIC_CONTROL) {
        budget.entry();
        budget.metadata(bytes);
      }
    } else if (block === GIF_IMAGE) {
      const descriptor = await reader.take(9);
      if (descriptor.length < 9) return;
      budget.frame();
      reader.skip(colourTableBytes(descriptor[8]!) + 1); // local colour table, LZW minimum code size
      await skipSubBlocks(reader);
    } else {
      return; // the trailer, the end of the file, or damage the decoder will judge
    }
  }
}

/** A global or local colour table's size from its packed flags byte. */
function colourTableBytes(flags: number): number {
  return flags & 0x80 ? 3 << ((flags & 0x07) + 1) : 0;
}

/** Skips a sequence of length-prefixed sub-blocks up to its empty terminator; returns their payload bytes. */
async function skipSubBlocks(reader: ByteReader): Promise<number> {
  let bytes = 0;
  for (;;) {
    // Hops from length byte to length byte inside the window; image data is 255-byte sub-blocks, so this is hot.
    const window = await reader.restFrom(reader.position);
    if (window.length === 0) return bytes; // the end of the file
    let at = 0;
    while (at < window.length) {
      const length = window[at]!;
      if (length === 0) {
        reader.skip(at + 1);
        return bytes;
      }
      bytes += length;
      at += 1 + length;
    }
    reader.skip(at);
  }
}

// ---- WebP -------------------------------------------------------------------------------------------------------

/** Image data and its structure; every other chunk is a metadata entry (ICCP, EXIF, XMP, unknown). */
const WEBP_IMAGE_CHUNKS = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM']);
/** Chunks libwebp's demuxer and libvips keep in memory. */
const WEBP_METADATA_CHUNKS = new Set(['ICCP', 'EXIF', 'XMP ']);

async function walkWebp(reader: ByteReader, budget: StructureBudget): Promise<void> {
  const riff = await reader.take(12);
  if (riff.length < 12) return;
  const end = Math.min(reader.size, 8 + riff.readUInt32LE(4));
  while (reader.position + 8 <= end) {
    const header = await reader.take(8);
    const type = header.toString('latin1', 0, 4);
    const size = header.readUInt32LE(4);
    if (type === 'ANMF') budget.frame();
    else if (!WEBP_IMAGE_CHUNKS.has(type)) budget.entry();
    // Declared sizes count, as in a PNG; a chunk past the end stops the loop below.
    if (WEBP_METADATA_CHUNKS.has(type)) budget.metadata(size);
    reader.skip(size + (size & 1)); // chunks are padded to an even size
  }
}

// ---- TIFF -------------------------------------------------------------------------------------------------------

/**
 * Follows the chain of IFDs (pages) from the header, counting each against MAX_FRAMES: a file of a few hundred
 * thousand tiny pages costs libtiff seconds to count. Only the IFD counts and next-IFD offsets are read, and at most
 * MAX_FRAMES + 1 IFDs are visited. An IFD seen before (a loop) or past the end stops the walk: libtiff detects loops.
 */
async function walkTiff(reader: ByteReader, budget: StructureBudget): Promise<void> {
  const header = await reader.take(16);
  if (header.length < 8) return;
  const little = header[0] === 0x49;
  const big = (little ? header.readUInt16LE(2) : header.readUInt16BE(2)) === 43; // BigTIFF: 64-bit offsets
  const offsetBytes = big ? 8 : 4;
  const readOffset = (bytes: Buffer): number => {
    if (!big) return little ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
    return Number(little ? bytes.readBigUInt64LE(0) : bytes.readBigUInt64BE(0));
  };
  const seen = new Set<number>();
  let offset = readOffset(header.subarray(big ? 8 : 4));
  while (offset !== 0 && !seen.has(offset)) {
    seen.add(offset);
    budget.frame();
    const count = await reader.peekAt(offset, big ? 8 : 2);
    if (count.length < (big ? 8 : 2)) return;
    const entries = big ? readOffset(count) : little ? count.readUInt16LE(0) : count.readUInt16BE(0);
    const next = await reader.peekAt(offset + (big ? 8 + entries * 20 : 2 + entries * 12), offsetBytes);
    if (next.length < offsetBytes) return;
    offset = readOffset(next);
  }
}
