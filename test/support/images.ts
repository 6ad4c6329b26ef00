// Over 400 lines on purpose: every generated test image in one catalogue, so a test finds an existing one before
// writing another.

/**
 * Test images made in code (sharp, plus hand-written encoders for what sharp cannot write: BMP, crafted headers).
 * Every generator is deterministic and fast (small sizes by default); HTTP and worker tests reuse them.
 *
 * Pictures are the "quadrants" pattern unless a solid colour is asked for: four flat colours, so orientation, crops
 * and colour handling can be checked by sampling the centre of a quadrant.
 */
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export type Rgb = readonly [number, number, number];

/** The quadrant colours, upright: checked after rendering to prove orientation and colour handling. */
export const QUADRANT_COLOURS = {
  topLeft: [220, 40, 40],
  topRight: [40, 180, 60],
  bottomLeft: [40, 60, 200],
  bottomRight: [230, 210, 40],
} as const satisfies Record<string, Rgb>;

export interface PictureOptions {
  /** Displayed width. @defaultValue 1000 */
  width?: number;
  /** Displayed height. @defaultValue 700 */
  height?: number;
  /** A flat colour instead of the quadrants. */
  colour?: Rgb;
}

/** Raw RGB pixels, upright: the quadrant pattern, or a flat colour. */
export function picturePixels(width: number, height: number, colour?: Rgb): Buffer {
  const data = Buffer.alloc(width * height * 3);
  const q = QUADRANT_COLOURS;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c =
        colour ??
        (y < height / 2 ? (x < width / 2 ? q.topLeft : q.topRight) : x < width / 2 ? q.bottomLeft : q.bottomRight);
      data.set(c, (y * width + x) * 3);
    }
  }
  return data;
}

function picture(options: PictureOptions, channels: 3 | 4 = 3): Sharp {
  const width = options.width ?? 1000;
  const height = options.height ?? 700;
  const image = sharp(picturePixels(width, height, options.colour), { raw: { width, height, channels: 3 } });
  return channels === 4 ? image.ensureAlpha() : image;
}

/**
 * Pixels stored so that applying EXIF `orientation` shows the upright picture: what a camera held sideways writes.
 * Returns the stored raw pixels and their (possibly swapped) size.
 */
export function storeForOrientation(
  upright: Buffer,
  width: number,
  height: number,
  orientation: number,
): { data: Buffer; width: number; height: number } {
  const swapped = orientation >= 5;
  const sw = swapped ? height : width;
  const sh = swapped ? width : height;
  const stored = Buffer.alloc(upright.length);
  for (let yd = 0; yd < height; yd++) {
    for (let xd = 0; xd < width; xd++) {
      // The stored pixel that orientation `orientation` displays at (xd, yd) (EXIF 2.3, tag 0x0112).
      const [xs, ys] = (() => {
        switch (orientation) {
          case 2:
            return [width - 1 - xd, yd];
          case 3:
            return [width - 1 - xd, height - 1 - yd];
          case 4:
            return [xd, height - 1 - yd];
          case 5:
            return [yd, xd];
          case 6:
            return [yd, width - 1 - xd];
          case 7:
            return [height - 1 - yd, width - 1 - xd];
          case 8:
            return [height - 1 - yd, xd];
          default:
            return [xd, yd];
        }
      })();
      upright.copy(stored, (ys * sw + xs) * 3, (yd * width + xd) * 3, (yd * width + xd) * 3 + 3);
    }
  }
  return { data: stored, width: sw, height: sh };
}

export interface JpegOptions extends PictureOptions {
  /** EXIF orientation 1-8; pixels are stored so the displayed picture is upright. */
  orientation?: number;
  /** @defaultValue 90 */
  quality?: number;
  progressive?: boolean;
  /** Store as CMYK (libvips' default CMYK profile, no embedded profile). */
  cmyk?: boolean;
  grayscale?: boolean;
  /** Convert to and embed this ICC profile (`p3`, `cmyk`, or a path). */
  icc?: string;
  /** Add identifying metadata: EXIF (camera, GPS), XMP and a JPEG comment; see {@link METADATA_MARKERS}. */
  metadata?: boolean;
}

/** Strings the `metadata` option writes; none of them may survive rendering. */
export const METADATA_MARKERS = ['ThumbsmithCam', 'secret-owner', 'xmp-secret-creator', 'comment-secret'] as const;

export async function makeJpeg(options: JpegOptions = {}): Promise<Buffer> {
  const width = options.width ?? 1000;
  const height = options.height ?? 700;
  const orientation = options.orientation ?? 1;
  const stored = storeForOrientation(picturePixels(width, height, options.colour), width, height, orientation);
  let image = sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } });
  if (orientation !== 1) image = image.withMetadata({ orientation });
  if (options.grayscale) image = image.toColourspace('b-w');
  if (options.cmyk) image = image.toColourspace('cmyk');
  if (options.icc) image = image.withIccProfile(options.icc);
  if (options.metadata) image = withIdentifyingMetadata(image);
  const jpeg = await image
    .jpeg({ quality: options.quality ?? 90, progressive: options.progressive ?? false })
    .toBuffer();
  return options.metadata ? insertJpegComment(jpeg, 'comment-secret') : jpeg;
}

function withIdentifyingMetadata(image: Sharp): Sharp {
  return image
    .withExif({
      IFD0: { Make: 'ThumbsmithCam', Model: 'T-1', Copyright: 'secret-owner' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>xmp-secret-creator</dc:creator>' +
        '</rdf:Description></rdf:RDF></x:xmpmeta>',
    );
}

/** A COM segment right after SOI. */
function insertJpegComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const segment = Buffer.alloc(4 + body.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  body.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

export interface PngOptions extends PictureOptions {
  /** Right half fully transparent, left half opaque. */
  alpha?: boolean;
  bitDepth16?: boolean;
  /** Indexed colour (8-bit palette). */
  palette?: boolean;
  grayscale?: boolean;
  /** Add EXIF/XMP (as `makeJpeg`'s `metadata`) and an embedded ICC profile. */
  metadata?: boolean;
}

export async function makePng(options: PngOptions = {}): Promise<Buffer> {
  let image = options.alpha ? halfTransparent(options) : picture(options);
  if (options.grayscale) image = image.toColourspace(options.bitDepth16 ? 'grey16' : 'b-w');
  else if (options.bitDepth16) image = image.toColourspace('rgb16');
  if (options.metadata) image = withIdentifyingMetadata(image).withIccProfile('p3');
  return image.png({ palette: options.palette ?? false, compressionLevel: 1 }).toBuffer();
}

/** The picture with its right half fully transparent. */
function halfTransparent(options: PictureOptions): Sharp {
  const width = options.width ?? 1000;
  const height = options.height ?? 700;
  const rgb = picturePixels(width, height, options.colour);
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
    rgba[i * 4 + 3] = i % width < width / 2 ? 255 : 0;
  }
  return sharp(rgba, { raw: { width, height, channels: 4 } });
}

export interface AnimationOptions {
  /** Frame size. @defaultValue 200 */
  width?: number;
  /** @defaultValue 120 */
  height?: number;
  /** One flat frame per colour. @defaultValue red, green, blue */
  frames?: readonly Rgb[];
  /** Milliseconds per frame. @defaultValue 100 */
  delay?: number;
}

const DEFAULT_FRAMES: readonly Rgb[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];

function animation(options: AnimationOptions): { image: Sharp; delay: number[] } {
  const width = options.width ?? 200;
  const height = options.height ?? 120;
  const frames = options.frames ?? DEFAULT_FRAMES;
  const raw = frames.map((colour) => picturePixels(width, height, colour));
  const image = sharp(Buffer.concat(raw), {
    raw: { width, height: height * frames.length, channels: 3, pageHeight: height },
  });
  return { image, delay: frames.map(() => options.delay ?? 100) };
}

export async function makeAnimatedGif(options: AnimationOptions = {}): Promise<Buffer> {
  const { image, delay } = animation(options);
  return image.gif({ delay, loop: 0 }).toBuffer();
}

export interface WebpOptions extends PictureOptions, Omit<AnimationOptions, 'width' | 'height'> {
  alpha?: boolean;
  lossless?: boolean;
  animated?: boolean;
}

export async function makeWebp(options: WebpOptions = {}): Promise<Buffer> {
  if (options.animated) {
    const { image, delay } = animation({ ...options, width: options.width ?? 200, height: options.height ?? 120 });
    return image.webp({ delay, loop: 0, lossless: options.lossless ?? false }).toBuffer();
  }
  const image = options.alpha ? halfTransparent(options) : picture(options);
  return image.webp({ lossless: options.lossless ?? false, quality: 90 }).toBuffer();
}

export async function makeGif(options: PictureOptions = {}): Promise<Buffer> {
  return picture(options).gif().toBuffer();
}

export async function makeTiff(
  options: PictureOptions & { compression?: 'lzw' | 'deflate' | 'none' } = {},
): Promise<Buffer> {
  return picture(options)
    .tiff({ compression: options.compression ?? 'lzw' })
    .toBuffer();
}

export async function makeAvif(options: PictureOptions & { alpha?: boolean } = {}): Promise<Buffer> {
  const image = options.alpha ? halfTransparent(options) : picture(options);
  return image.avif({ quality: 80, effort: 0 }).toBuffer();
}

export interface BmpOptions extends PictureOptions {
  /** 24 (BGR), 32 (BGRA with a V4 header and alpha mask), 8 (palette of the picture's colours). @defaultValue 24 */
  bitsPerPixel?: 8 | 24 | 32;
  /** With 32 bits: right half transparent. */
  alpha?: boolean;
  /** Rows stored top to bottom (negative height) instead of bottom-up. */
  topDown?: boolean;
}

/** A Windows BMP written by hand (sharp cannot write BMP). */
export function makeBmp(options: BmpOptions = {}): Buffer {
  const width = options.width ?? 1000;
  const height = options.height ?? 700;
  const bpp = options.bitsPerPixel ?? 24;
  const rgb = picturePixels(width, height, options.colour);
  const headerSize = bpp === 32 ? 108 : 40;
  const palette: Rgb[] = [];
  const paletteIndex = new Map<string, number>();
  if (bpp === 8) {
    for (let i = 0; i < width * height; i++) {
      const key = `${rgb[i * 3]},${rgb[i * 3 + 1]},${rgb[i * 3 + 2]}`;
      if (!paletteIndex.has(key)) {
        paletteIndex.set(key, palette.length);
        palette.push([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!]);
      }
    }
  }
  const rowBytes = Math.floor((bpp * width + 31) / 32) * 4;
  const dataOffset = 14 + headerSize + palette.length * 4;
  const file = Buffer.alloc(dataOffset + rowBytes * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(dataOffset, 10);
  file.writeUInt32LE(headerSize, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(options.topDown ? -height : height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(bpp, 28);
  file.writeUInt32LE(bpp === 32 ? 3 : 0, 30); // BI_BITFIELDS for 32-bit
  file.writeUInt32LE(rowBytes * height, 34);
  file.writeInt32LE(2835, 38);
  file.writeInt32LE(2835, 42);
  file.writeUInt32LE(palette.length, 46);
  if (bpp === 32) {
    file.writeUInt32LE(0x00ff0000, 54);
    file.writeUInt32LE(0x0000ff00, 58);
    file.writeUInt32LE(0x000000ff, 62);
    file.writeUInt32LE(0xff000000, 66);
    file.write('BGRs', 70, 'latin1'); // LCS_WINDOWS_COLOR_SPACE, stored little-endian
  }
  palette.forEach(([r, g, b], i) => {
    file.writeUInt8(b, 14 + headerSize + i * 4);
    file.writeUInt8(g, 14 + headerSize + i * 4 + 1);
    file.writeUInt8(r, 14 + headerSize + i * 4 + 2);
  });
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (options.topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const [r, g, b] = [rgb[s]!, rgb[s + 1]!, rgb[s + 2]!];
      if (bpp === 8) file.writeUInt8(paletteIndex.get(`${r},${g},${b}`)!, row + x);
      else if (bpp === 24) file.set([b, g, r], row + x * 3);
      else file.set([b, g, r, options.alpha && x >= width / 2 ? 0 : 255], row + x * 4);
    }
  }
  return file;
}

/** Committed HEVC HEIF fixtures (made with Debian libheif-examples `heif-enc`, see test/fixtures/imaging/README.md). */
export const HEIC_FIXTURES = {
  /** 320x240 quadrants, opaque, no ICC. */
  quadrants: 'quadrants-320x240.heic',
  /** 64x48 flat sRGB (200, 60, 40) stored in Display P3 with the P3 ICC profile embedded. */
  p3Red: 'p3-red-64x48.heic',
  /** 64x48 flat (30, 90, 200), right half fully transparent. */
  halfTransparent: 'half-transparent-64x48.heic',
} as const;

export function readHeicFixture(name: keyof typeof HEIC_FIXTURES = 'quadrants'): Buffer {
  return readFileSync(new URL(`../fixtures/imaging/${HEIC_FIXTURES[name]}`, import.meta.url));
}

/** Alias of {@link readHeicFixture}, named like the other generators. */
export const makeHeic = readHeicFixture;

export function makeSvg(options: { width?: number; height?: number; extra?: string } = {}): Buffer {
  const width = options.width ?? 300;
  const height = options.height ?? 200;
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<rect width="${width / 2}" height="${height}" fill="rgb(220,40,40)"/>` +
      `<rect x="${width / 2}" width="${width / 2}" height="${height}" fill="rgb(40,180,60)"/>` +
      `${options.extra ?? ''}</svg>\n`,
  );
}

// ---- hostile inputs ---------------------------------------------------------------------------------------------

export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = bitDepth;
  data[9] = colourType;
  return pngChunk('IHDR', data);
}

/** A PNG whose (valid-CRC) IHDR declares `width`x`height` RGB, followed by almost no pixel data. */
export function pngDeclaring(width: number, height: number): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, 8, 2),
    pngChunk('IDAT', deflateSync(Buffer.alloc(16))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A real, fully valid 1-bit PNG of one colour: tens of KB on disk, `width*height` pixels when decoded. */
export function pngBomb(width = 20000, height = 20000): Buffer {
  const rows = Buffer.alloc((Math.ceil(width / 8) + 1) * height);
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, 1, 0),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One GIF frame of `width`x`height` at (0,0): graphic control extension, descriptor, minimal LZW data. */
function gifFrame(width: number, height: number): Buffer {
  const gce = Buffer.from([0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00]);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(width, 5);
  descriptor.writeUInt16LE(height, 7);
  // LZW minimum code size 2; one sub-block: clear code, index 0, end-of-information.
  const data = Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00]);
  return Buffer.concat([gce, descriptor, data]);
}

function gifHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(13 + 6);
  header.write('GIF89a', 0, 'latin1');
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  header[10] = 0x80; // global colour table of 2 entries
  header.set([0, 0, 0, 255, 255, 255], 13);
  return header;
}

/** A GIF whose logical screen and single frame declare `width`x`height` (max 65535). */
export function gifDeclaring(width: number, height: number): Buffer {
  return Buffer.concat([gifHeader(width, height), gifFrame(width, height), Buffer.from([0x3b])]);
}

/** A tiny GIF (1x1 frames) with `frames` frames. */
export function gifWithFrames(frames: number): Buffer {
  const loop = Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0'), 0x03, 0x01, 0x00, 0x00, 0x00]);
  const frame = gifFrame(1, 1);
  return Buffer.concat([gifHeader(1, 1), loop, ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])]);
}

/** The start of an MP4 file: an `ftyp` box with brand `isom`, then an empty `moov`. */
export function mp4Header(): Buffer {
  const ftyp = Buffer.alloc(32);
  ftyp.writeUInt32BE(32, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isomiso2avc1mp41', 16, 'latin1');
  const moov = Buffer.alloc(8);
  moov.writeUInt32BE(8, 0);
  moov.write('moov', 4, 'latin1');
  return Buffer.concat([ftyp, moov, Buffer.alloc(64)]);
}

/** IFD entry: tag, type (3 SHORT, 4 LONG), count, value (fits in 4 bytes). */
export type TiffEntry = readonly [tag: number, type: 3 | 4, count: number, value: number];

/** A little-endian TIFF with one IFD of the given entries and `pixelBytes` bytes of pixel data after it. */
export function tiffWithEntries(entries: readonly TiffEntry[], pixelBytes = 64): Buffer {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const ifdSize = 2 + sorted.length * 12 + 4;
  const file = Buffer.alloc(8 + ifdSize + pixelBytes, 0x80);
  file.write('II', 0, 'latin1');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(8, 4);
  file.writeUInt16LE(sorted.length, 8);
  sorted.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    file.writeUInt16LE(tag, at);
    file.writeUInt16LE(type, at + 2);
    file.writeUInt32LE(count, at + 4);
    if (type === 3) file.writeUInt16LE(value, at + 8);
    else file.writeUInt32LE(value, at + 8);
  });
  file.writeUInt32LE(0, 10 + sorted.length * 12);
  return file;
}

/** Offset where {@link tiffWithEntries} puts the pixel data. */
export function tiffPixelOffset(entryCount: number): number {
  return 8 + 2 + entryCount * 12 + 4;
}

// ---- sampling ---------------------------------------------------------------------------------------------------

/** The RGBA pixel at (x, y) of any image sharp can decode. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<[number, number, number, number]> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
}

/** Largest per-channel difference between two colours. */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(...b.map((value, i) => Math.abs((a[i] ?? 0) - value)));
}
