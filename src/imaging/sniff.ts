import type { InputFormat } from '../domain/image.js';

/** How many leading bytes `sniff` needs at most (enough for an ISO-BMFF `ftyp` box and an SVG prologue). */
export const SNIFF_BYTES = 4100;

/** What the leading bytes say: a format Thumbsmith reads, or an image container it recognises but cannot read. */
export type SniffResult =
  | { readonly kind: 'image'; readonly format: InputFormat }
  | { readonly kind: 'unsupported'; readonly name: string };

interface Signature {
  readonly offset: number;
  readonly bytes: readonly number[];
  readonly result: SniffResult;
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
const image = (format: InputFormat): SniffResult => ({ kind: 'image', format });
const unsupported = (name: string): SniffResult => ({ kind: 'unsupported', name });

/** Fixed magic numbers; first match wins. BMP, ISO-BMFF, RIFF and SVG need more than a prefix and are checked apart. */
const SIGNATURES: readonly Signature[] = [
  { offset: 0, bytes: [0xff, 0xd8, 0xff], result: image('jpeg') },
  { offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], result: image('png') },
  { offset: 0, bytes: ascii('GIF87a'), result: image('gif') },
  { offset: 0, bytes: ascii('GIF89a'), result: image('gif') },
  { offset: 0, bytes: [0x49, 0x49, 0x2a, 0x00], result: image('tiff') },
  { offset: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a], result: image('tiff') },
  { offset: 0, bytes: [0x49, 0x49, 0x2b, 0x00], result: image('tiff') }, // BigTIFF
  { offset: 0, bytes: [0x4d, 0x4d, 0x00, 0x2b], result: image('tiff') },
  { offset: 0, bytes: [0xff, 0x0a], result: unsupported('jpeg-xl') },
  { offset: 0, bytes: [0, 0, 0, 0x0c, ...ascii('JXL '), 0x0d, 0x0a, 0x87, 0x0a], result: unsupported('jpeg-xl') },
  { offset: 0, bytes: [0, 0, 0, 0x0c, ...ascii('jP  '), 0x0d, 0x0a, 0x87, 0x0a], result: unsupported('jpeg-2000') },
  { offset: 0, bytes: [0xff, 0x4f, 0xff, 0x51], result: unsupported('jpeg-2000') },
  { offset: 0, bytes: ascii('8BPS'), result: unsupported('psd') },
  { offset: 0, bytes: [0, 0, 1, 0], result: unsupported('ico') },
  { offset: 0, bytes: [0, 0, 2, 0], result: unsupported('cur') },
  { offset: 0, bytes: ascii('qoif'), result: unsupported('qoi') },
  { offset: 0, bytes: [0x76, 0x2f, 0x31, 0x01], result: unsupported('openexr') },
  { offset: 0, bytes: ascii('DDS '), result: unsupported('dds') },
  { offset: 0, bytes: ascii('#?RADIANCE'), result: unsupported('radiance-hdr') },
  { offset: 0, bytes: ascii('#?RGBE'), result: unsupported('radiance-hdr') },
  { offset: 0, bytes: ascii('farbfeld'), result: unsupported('farbfeld') },
  { offset: 0, bytes: ascii('gimp xcf'), result: unsupported('xcf') },
  { offset: 0, bytes: ascii('SIMPLE  ='), result: unsupported('fits') },
];

/** BITMAPCOREHEADER, OS/2 v2 (16 and 64) and BITMAPINFOHEADER..V5: a `BM` file must name one of these. */
const BMP_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
/** Generic HEIF brands: the codec (HEVC or AV1) is only known from the header, so they are reported as `heif`. */
const HEIF_BRANDS = new Set(['mif1', 'mif2', 'msf1', 'miaf']);

/**
 * The image format from magic bytes only (never a name or a declared type); `undefined` when the bytes are not an
 * image Thumbsmith reads. Needs at most the first {@link SNIFF_BYTES} bytes.
 */
export function sniff(head: Buffer): InputFormat | undefined {
  const result = sniffContainer(head);
  return result?.kind === 'image' ? result.format : undefined;
}

/** Like {@link sniff}, but also names image containers that are recognised and not supported. */
export function sniffContainer(head: Buffer): SniffResult | undefined {
  if (head.length === 0) return undefined;
  for (const signature of SIGNATURES) {
    if (startsWith(head, signature.bytes, signature.offset)) return signature.result;
  }
  return sniffBmp(head) ?? sniffRiff(head) ?? sniffIsoBmff(head) ?? sniffPnm(head) ?? sniffSvg(head);
}

function startsWith(head: Buffer, bytes: readonly number[], offset: number): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((byte, i) => head[offset + i] === byte);
}

function sniffBmp(head: Buffer): SniffResult | undefined {
  if (!startsWith(head, ascii('BM'), 0)) return undefined;
  // Too short to tell is still a BMP prefix; the header reader reports it as corrupt.
  if (head.length < 18) return image('bmp');
  return BMP_HEADER_SIZES.has(head.readUInt32LE(14)) ? image('bmp') : undefined;
}

function sniffRiff(head: Buffer): SniffResult | undefined {
  if (!startsWith(head, ascii('RIFF'), 0) || head.length < 12) return undefined;
  // Other RIFF payloads (AVI, WAVE) are media, not images.
  return head.toString('latin1', 8, 12) === 'WEBP' ? image('webp') : undefined;
}

function sniffIsoBmff(head: Buffer): SniffResult | undefined {
  if (head.length < 16 || head.toString('latin1', 4, 8) !== 'ftyp') return undefined;
  const boxSize = head.readUInt32BE(0);
  const end = Math.min(Math.max(boxSize, 16), head.length);
  const brands = [head.toString('latin1', 8, 12)];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(head.toString('latin1', offset, offset + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return image('avif');
  if (brands.some((b) => HEIC_BRANDS.has(b) || HEIF_BRANDS.has(b))) return image('heif');
  if (brands.includes('crx ')) return unsupported('canon-cr3');
  // isom, mp41, qt, 3gp…: video and audio containers are not images.
  return undefined;
}

/** Netpbm: `P1`..`P7`, whitespace, then a number or a comment (plain text rarely looks like that). */
function sniffPnm(head: Buffer): SniffResult | undefined {
  return /^P[1-7]\s+[\d#]/.test(head.toString('latin1', 0, 16)) ? unsupported('netpbm') : undefined;
}

/**
 * SVG: after an optional BOM, XML declaration, comments, processing instructions and an `svg` doctype, the first
 * element must be `<svg` (optionally namespace-prefixed). HTML (even with inline SVG) is not SVG.
 */
function sniffSvg(head: Buffer): SniffResult | undefined {
  let text = head.toString('utf8', 0, Math.min(head.length, SNIFF_BYTES));
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let i = 0;
  for (let guard = 0; guard < 64; guard++) {
    while (i < text.length && isXmlSpace(text.charCodeAt(i))) i++;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return undefined;
      i = end + 3;
    } else if (/^<!doctype/i.test(text.slice(i, i + 9))) {
      const name = /^<!doctype\s+([^\s>[]+)/i.exec(text.slice(i, i + 256))?.[1]?.toLowerCase();
      if (name !== 'svg' && !name?.endsWith(':svg')) return undefined;
      const close = text.indexOf('>', i);
      const subset = text.indexOf('[', i);
      const subsetEnd = subset >= 0 && subset < close ? text.indexOf(']', subset) : -1;
      const end = subsetEnd >= 0 ? text.indexOf('>', subsetEnd) : subset >= 0 && subset < close ? -1 : close;
      if (end < 0) return undefined;
      i = end + 1;
    } else {
      return /^<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]/.test(text.slice(i, i + 64)) ? image('svg') : undefined;
    }
  }
  return undefined;
}

function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
