/**
 * Seeded mutations of valid images for the fuzz test: bit flips, byte overwrites, truncations, splices of two files,
 * header field corruption, repeated and deleted ranges. The same seed gives the same files.
 */
import {
  makeAnimatedGif,
  makeAvif,
  makeBmp,
  makeGif,
  makeJpeg,
  makePng,
  makeTiff,
  makeWebp,
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

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** `count` mutants, cycling through the seeds so every format gets its share; one or two mutations each. */
export function mutate(seeds: readonly Seed[], count: number, seed: number): Mutant[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const source = seeds[index % seeds.length]!;
    let bytes = source.bytes;
    const applied: string[] = [];
    for (let n = random.next() < 0.2 ? 2 : 1; n > 0; n--) {
      const name = random.pick(MUTATION_NAMES);
      bytes = MUTATIONS[name]!(bytes, random, random.pick(seeds).bytes);
      applied.push(name);
    }
    return { index, seed: source.name, mutation: applied.join('+'), bytes };
  });
}
