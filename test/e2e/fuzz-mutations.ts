/**
 * Seeded mutations of valid images for the fuzz test: bit flips, byte overwrites, truncations, splices of two files,
 * header field corruption, repeated and deleted ranges, and structure-aware ones that keep the container parseable
 * (PNG chunks with valid CRCs, JPEG segments and scans, RIFF chunks): units duplicated, lengths inflated, metadata
 * inserted. The same seed gives the same files.
 */

import { iccpChunk, ztxtChunk } from '../support/bombs.js';
import {
  makeAnimatedGif,
  makeAvif,
  makeBmp,
  makeGif,
  makeJpeg,
  makePng,
  makeTiff,
  makeWebp,
  pngChunk,
  readHeicFixture,
} from '../support/images.js';

/** mulberry32: small, fast, good enough to pick mutations; deterministic for a seed. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: <T>(items: readonly T[]) => items[int(0, items.length - 1)]! };
}

export interface Random {
  /** [0, 1) */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
}

/** Small valid images of every format the issue names (and BMP, HEIC), 64-256 px so hundreds render in seconds. */
export async function makeSeeds(): Promise<Seed[]> {
  const seeds: Array<[string, Buffer | Promise<Buffer>]> = [
    ['jpeg-baseline', makeJpeg({ width: 160, height: 120 })],
    ['jpeg-progressive', makeJpeg({ width: 128, height: 96, progressive: true })],
    ['jpeg-cmyk', makeJpeg({ width: 96, height: 64, cmyk: true })],
    ['jpeg-exif', makeJpeg({ width: 120, height: 80, orientation: 6, metadata: true })],
    ['png-rgb', makePng({ width: 128, height: 96 })],
    ['png-palette', makePng({ width: 96, height: 64, palette: true })],
    ['png-alpha-16', makePng({ width: 80, height: 64, alpha: true, bitDepth16: true })],
    ['png-icc', makePng({ width: 64, height: 64, metadata: true })],
    ['gif', makeGif({ width: 128, height: 96 })],
    ['gif-animated', makeAnimatedGif({ width: 64, height: 48 })],
    ['webp-lossy', makeWebp({ width: 160, height: 120 })],
    ['webp-lossless-alpha', makeWebp({ width: 96, height: 64, lossless: true, alpha: true })],
    ['webp-animated', makeWebp({ width: 64, height: 48, animated: true })],
    ['tiff-lzw', makeTiff({ width: 128, height: 96 })],
    ['tiff-deflate', makeTiff({ width: 96, height: 64, compression: 'deflate' })],
    ['avif', makeAvif({ width: 128, height: 96 })],
    ['avif-alpha', makeAvif({ width: 64, height: 64, alpha: true })],
    ['bmp-24', makeBmp({ width: 96, height: 64 })],
    ['bmp-32-alpha', makeBmp({ width: 64, height: 48, bitsPerPixel: 32, alpha: true })],
    ['heic', readHeicFixture('quadrants')],
    ['png-ztxt', makePng({ width: 64, height: 48 }).then((png) => insertAfterIhdr(png, ztxtChunk(4096)))],
  ];
  return Promise.all(seeds.map(async ([name, bytes]) => ({ name, bytes: await bytes })));
}

export interface Mutant {
  readonly index: number;
  readonly seed: string;
  readonly mutation: string;
  readonly bytes: Buffer;
}

type Mutation = (bytes: Buffer, random: Random, other: Buffer) => Buffer;

/** Values that break length and offset fields. */
const EXTREMES = [
  [0x00, 0x00, 0x00, 0x00],
  [0xff, 0xff, 0xff, 0xff],
  [0x7f, 0xff, 0xff, 0xff],
  [0x80, 0x00, 0x00, 0x00],
  [0x00, 0x00, 0x00, 0x01],
  [0xff, 0xfe],
  [0x00, 0x01],
] as const;

const MUTATIONS: Record<string, Mutation> = {
  bitflips: (bytes, random) => {
    const out = Buffer.from(bytes);
    for (let n = random.int(1, 8); n > 0; n--) {
      const at = random.int(0, out.length - 1);
      out[at]! ^= 1 << random.int(0, 7);
    }
    return out;
  },
  overwrite: (bytes, random) => {
    const out = Buffer.from(bytes);
    for (let n = random.int(1, 16); n > 0; n--) out[random.int(0, out.length - 1)] = random.int(0, 255);
    return out;
  },
  truncate: (bytes, random) => bytes.subarray(0, random.int(1, bytes.length - 1)),
  splice: (bytes, random, other) =>
    Buffer.concat([
      bytes.subarray(0, random.int(1, bytes.length - 1)),
      other.subarray(random.int(0, other.length - 1)),
    ]),
  'header-field': (bytes, random) => {
    // Dimensions, lengths and offsets live in the first bytes of every format: hit them with extreme values.
    const out = Buffer.from(bytes);
    for (let n = random.int(1, 3); n > 0; n--) {
      const value = random.pick(EXTREMES);
      const at = random.int(0, Math.max(0, Math.min(out.length, 96) - value.length));
      out.set(value.slice(0, out.length - at), at);
    }
    return out;
  },
  'repeat-range': (bytes, random) => {
    const start = random.int(0, bytes.length - 1);
    const end = Math.min(bytes.length, start + random.int(1, 512));
    const copies = Array.from({ length: random.int(2, 20) }, () => bytes.subarray(start, end));
    return Buffer.concat([bytes.subarray(0, start), ...copies, bytes.subarray(end)]);
  },
  'delete-range': (bytes, random) => {
    const start = random.int(0, bytes.length - 1);
    return Buffer.concat([
      bytes.subarray(0, start),
      bytes.subarray(Math.min(bytes.length, start + random.int(1, 256))),
    ]);
  },
  'zero-range': (bytes, random) => {
    const out = Buffer.from(bytes);
    const start = random.int(0, out.length - 1);
    out.fill(0, start, Math.min(out.length, start + random.int(1, 256)));
    return out;
  },
};

/**
 * A unit of a container: a PNG chunk (length, type, data, CRC), a JPEG marker segment (a scan with its entropy-coded
 * data) or a RIFF chunk, with where its length field is.
 */
interface Unit {
  readonly start: number;
  readonly end: number;
  readonly scan: boolean;
  /** Offset and width of the length field; none for standalone markers. */
  readonly length?: { readonly at: number; readonly bytes: 2 | 4; readonly littleEndian: boolean };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The units of a PNG, JPEG or WebP, as far as they parse; none for other formats. */
function units(bytes: Buffer): Unit[] {
  const found: Unit[] = [];
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    for (let at = 8; at + 12 <= bytes.length; ) {
      const end = at + 12 + bytes.readUInt32BE(at);
      if (end > bytes.length) break;
      found.push({ start: at, end, scan: false, length: { at, bytes: 4, littleEndian: false } });
      at = end;
    }
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff; ) {
      const code = bytes[at + 1]!;
      if (code === 0xd9) break;
      let end = at + 2 + bytes.readUInt16BE(at + 2);
      if (code === 0xda) {
        // The entropy-coded data runs to the next marker that is not a stuffed byte or a restart.
        while (
          end + 1 < bytes.length &&
          !(bytes[end] === 0xff && bytes[end + 1] !== 0 && (bytes[end + 1]! & 0xf8) !== 0xd0)
        )
          end++;
      }
      if (end > bytes.length) break;
      found.push({ start: at, end, scan: code === 0xda, length: { at: at + 2, bytes: 2, littleEndian: false } });
      at = end;
    }
  } else if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    for (let at = 12; at + 8 <= bytes.length; ) {
      const size = bytes.readUInt32LE(at + 4);
      const end = at + 8 + size + (size & 1);
      if (end > bytes.length) break;
      found.push({ start: at, end, scan: false, length: { at: at + 4, bytes: 4, littleEndian: true } });
      at = end;
    }
  }
  return found;
}

function insertAfterIhdr(png: Buffer, chunk: Buffer): Buffer {
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

/** Keeps a RIFF file's size field true after units were added or removed. */
function fixRiffSize(bytes: Buffer): Buffer {
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.length >= 8) bytes.writeUInt32LE(bytes.length - 8, 4);
  return bytes;
}

/** Lengths that a walk or a decoder must survive: zero, tiny, off by a little, and far past the end. */
const LENGTHS = [0, 1, 2, 0x7fff, 0xffff, 0x7fff_ffff, 0xffff_ffff];

/** Mutations that need a parseable container; `undefined` when the bytes have no units. */
const STRUCTURAL: Record<string, (bytes: Buffer, random: Random) => Buffer | undefined> = {
  // Chunks, segments and (half the time) scans repeated whole, so CRCs stay valid: counts and progressions grow.
  'duplicate-unit': (bytes, random) => {
    const all = units(bytes);
    const scans = all.filter((u) => u.scan);
    const unit =
      scans.length > 0 && random.next() < 0.5 ? random.pick(scans) : all.length ? random.pick(all) : undefined;
    if (!unit) return undefined;
    const copies = Array.from({ length: random.int(1, 300) }, () => bytes.subarray(unit.start, unit.end));
    return fixRiffSize(Buffer.concat([bytes.subarray(0, unit.end), ...copies, bytes.subarray(unit.end)]));
  },
  // A length field set to a lie: small, off by a little, or far past the end of the file.
  'inflate-length': (bytes, random) => {
    const fields = units(bytes).flatMap((u) => (u.length ? [u.length] : []));
    if (fields.length === 0) return undefined;
    const field = random.pick(fields);
    const out = Buffer.from(bytes);
    const value = random.next() < 0.3 ? readLength(out, field) + random.int(1, 64) : random.pick(LENGTHS);
    writeLength(out, field, Math.min(field.bytes === 2 ? 0xffff : 0xffff_ffff, value));
    return out;
  },
  // Metadata inserted at a unit boundary: zTXt/iCCP of up to 16 MiB inflated (valid CRCs), a JPEG comment, WebP XMP.
  'insert-metadata': (bytes, random) => {
    const all = units(bytes);
    if (all.length === 0) return undefined;
    const at = random.pick(all).end;
    return fixRiffSize(Buffer.concat([bytes.subarray(0, at), metadataUnit(bytes, random), bytes.subarray(at)]));
  },
};

type LengthField = NonNullable<Unit['length']>;

function readLength(bytes: Buffer, field: LengthField): number {
  if (field.bytes === 2) return bytes.readUInt16BE(field.at);
  return field.littleEndian ? bytes.readUInt32LE(field.at) : bytes.readUInt32BE(field.at);
}

function writeLength(bytes: Buffer, field: LengthField, value: number): void {
  if (field.bytes === 2) bytes.writeUInt16BE(value, field.at);
  else if (field.littleEndian) bytes.writeUInt32LE(value, field.at);
  else bytes.writeUInt32BE(value, field.at);
}

/** A metadata unit of the container `bytes` is in (PNG, JPEG or WebP). */
function metadataUnit(bytes: Buffer, random: Random): Buffer {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    const inflated = 2 ** random.int(10, 24);
    const text = (n: number) => pngChunk('tEXt', Buffer.alloc(Math.min(n, 65_536), 0x41));
    return random.pick([ztxtChunk, iccpChunk, text])(inflated);
  }
  if (bytes[0] === 0xff) return Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x12]), Buffer.alloc(16, 0x41)]);
  return Buffer.concat([Buffer.from('XMP ', 'latin1'), Buffer.from([16, 0, 0, 0]), Buffer.alloc(16, 0x41)]);
}

export const MUTATION_NAMES = [...Object.keys(MUTATIONS), ...Object.keys(STRUCTURAL)];

function applyMutation(name: string, bytes: Buffer, random: Random, other: Buffer): Buffer {
  const structural = STRUCTURAL[name];
  // Formats without a parsed container (GIF, TIFF, AVIF, BMP, HEIC) get a repeated range instead.
  if (structural) return structural(bytes, random) ?? MUTATIONS['repeat-range']!(bytes, random, other);
  return MUTATIONS[name]!(bytes, random, other);
}

/** `count` mutants, cycling through the seeds so every format gets its share; one or two mutations each. */
export function mutate(seeds: readonly Seed[], count: number, seed: number): Mutant[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const source = seeds[index % seeds.length]!;
    let bytes = source.bytes;
    const applied: string[] = [];
    for (let n = random.next() < 0.2 ? 2 : 1; n > 0; n--) {
      const name = random.pick(MUTATION_NAMES);
      bytes = applyMutation(name, bytes, random, random.pick(seeds).bytes);
      applied.push(name);
    }
    return { index, seed: source.name, mutation: applied.join('+'), bytes };
  });
}
