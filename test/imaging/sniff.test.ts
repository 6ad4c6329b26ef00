import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniff, sniffContainer } from '../../src/imaging/index.js';
import {
  makeAnimatedGif,
  makeAvif,
  makeBmp,
  makeJpeg,
  makePng,
  makeSvg,
  makeTiff,
  makeWebp,
  mp4Header,
  readHeicFixture,
} from '../support/images.js';

const bytes = (...values: number[]) => Buffer.from(values);
const text = (value: string) => Buffer.from(value, 'utf8');

describe('sniff', () => {
  it('names every supported format from real files', async () => {
    expect(sniff(await makeJpeg({ width: 16, height: 16 }))).toBe('jpeg');
    expect(sniff(await makePng({ width: 16, height: 16 }))).toBe('png');
    expect(sniff(await makeAnimatedGif({ width: 8, height: 8 }))).toBe('gif');
    expect(sniff(await makeWebp({ width: 16, height: 16 }))).toBe('webp');
    expect(sniff(await makeTiff({ width: 16, height: 16 }))).toBe('tiff');
    expect(sniff(await makeAvif({ width: 16, height: 16 }))).toBe('avif');
    expect(sniff(makeBmp({ width: 4, height: 4 }))).toBe('bmp');
    expect(sniff(readHeicFixture())).toBe('heif');
    expect(sniff(makeSvg())).toBe('svg');
  });

  it('needs no more than SNIFF_BYTES', async () => {
    const jpeg = await makeJpeg({ width: 16, height: 16 });
    expect(SNIFF_BYTES).toBe(4100);
    expect(sniff(jpeg.subarray(0, SNIFF_BYTES))).toBe('jpeg');
    const padded = text(
      `<?xml version="1.0"?>\n<!-- ${'x'.repeat(3000)} -->\n<svg xmlns="http://www.w3.org/2000/svg"/>`,
    );
    expect(sniff(padded.subarray(0, SNIFF_BYTES))).toBe('svg');
  });

  it('returns undefined for empty input, text, HTML, JSON, PDF and media containers', () => {
    expect(sniff(Buffer.alloc(0))).toBeUndefined();
    expect(sniff(text('hello, this is not an image'))).toBeUndefined();
    expect(sniff(text('<!DOCTYPE html><html><body><svg></svg></body></html>'))).toBeUndefined();
    expect(sniff(text('<html><svg xmlns="http://www.w3.org/2000/svg"></svg></html>'))).toBeUndefined();
    expect(sniff(text('{"width": 100}'))).toBeUndefined();
    expect(sniff(text('%PDF-1.7\n'))).toBeUndefined();
    expect(sniff(mp4Header())).toBeUndefined();
    expect(sniff(text('RIFF\x24\x00\x00\x00WAVEfmt '))).toBeUndefined();
    expect(sniff(text('BMW is a car maker, not a bitmap'))).toBeUndefined();
    expect(sniff(bytes(0xff, 0xd8))).toBeUndefined(); // two bytes are not yet a JPEG marker
  });

  it('tells HEIF codecs apart by brand, and AVIF wins when both are listed', () => {
    const ftyp = (major: string, ...compatible: string[]) => {
      const box = Buffer.alloc(16 + 4 * compatible.length);
      box.writeUInt32BE(box.length, 0);
      box.write(`ftyp${major}`, 4, 'latin1');
      for (const [i, brand] of compatible.entries()) box.write(brand, 16 + 4 * i, 'latin1');
      return box;
    };
    expect(sniff(ftyp('heic', 'mif1', 'heic'))).toBe('heif');
    expect(sniff(ftyp('mif1', 'mif1', 'miaf'))).toBe('heif');
    expect(sniff(ftyp('avif', 'mif1', 'miaf'))).toBe('avif');
    expect(sniff(ftyp('mif1', 'avif', 'mif1'))).toBe('avif');
    expect(sniff(ftyp('isom', 'isom', 'mp41'))).toBeUndefined();
    expect(sniffContainer(ftyp('crx ', 'crx '))).toEqual({ kind: 'unsupported', name: 'canon-cr3' });
  });

  it('recognises image containers it cannot read', () => {
    const cases: Array<[Buffer, string]> = [
      [bytes(0xff, 0x0a, 0xfa, 0x7f), 'jpeg-xl'],
      [bytes(0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a), 'jpeg-xl'],
      [bytes(0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a), 'jpeg-2000'],
      [text('8BPS\x00\x01'), 'psd'],
      [bytes(0, 0, 1, 0, 1, 0, 16, 16), 'ico'],
      [text('qoif\x00\x00'), 'qoi'],
      [text('P6\n16 16\n255\n'), 'netpbm'],
    ];
    for (const [head, name] of cases) {
      expect(sniffContainer(head), name).toEqual({ kind: 'unsupported', name });
      expect(sniff(head), name).toBeUndefined();
    }
  });

  it('reads SVG behind a BOM, XML declaration, comments and an svg doctype, but not behind an html doctype', () => {
    expect(sniff(text('\ufeff<?xml version="1.0"?><!-- c --><svg width="1" height="1"/>'))).toBe('svg');
    expect(
      sniff(
        text(
          '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>',
        ),
      ),
    ).toBe('svg');
    expect(sniff(text('<!DOCTYPE svg [ <!ENTITY a "b"> ]><svg/>'))).toBe('svg');
    expect(sniff(text('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>'))).toBe('svg');
    expect(sniff(text('<!DOCTYPE html><svg/>'))).toBeUndefined();
    expect(sniff(text('<svgfoo/>'))).toBeUndefined();
    expect(sniff(text('<?xml version="1.0"?><html/>'))).toBeUndefined();
  });

  it('treats a polyglot by what comes first', async () => {
    const jpeg = await makeJpeg({ width: 16, height: 16 });
    expect(sniff(Buffer.concat([text('<html><body>hi</body></html>'), jpeg]))).toBeUndefined();
    expect(sniff(Buffer.concat([jpeg, text('<html><body>hi</body></html>')]))).toBe('jpeg');
  });
});
