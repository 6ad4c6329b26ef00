import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRESETS, withVersion } from '../../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, render } from '../../src/imaging/index.js';
import { decodeFailure, encodeFailure } from '../../src/imaging/sharp-errors.js';
import { tiffPixelOffset, tiffWithEntries } from '../support/images.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'thumbsmith-sharp-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('libvips failures as catalogue errors', () => {
  it('maps by message: pixel limit, timeout, unsupported, anything else corrupt', () => {
    expect(decodeFailure(new Error('Input image exceeds pixel limit')).code).toBe('TS_IMAGE_TOO_MANY_PIXELS');
    expect(decodeFailure(new Error('timeout: 53% complete')).code).toBe('TS_RENDER_TIMEOUT');
    expect(decodeFailure(new Error('Input buffer contains unsupported image format')).code).toBe(
      'TS_UNSUPPORTED_FORMAT',
    );
    expect(decodeFailure(new Error('VipsJpeg: premature end of JPEG image')).code).toBe('TS_IMAGE_CORRUPT');
    expect(encodeFailure(new Error('Processed image is too large for the WebP format')).code).toBe(
      'TS_IMAGE_DIMENSIONS',
    );
  });

  it('keeps the first line only and never shows a server path to the client', () => {
    const error = decodeFailure(
      new Error('/srv/data/blobs/originals/img_01: bad seek to 2147483647\ntiff2vips: read error at "/srv/x"'),
    );
    expect(error.detail).toBe('The image could not be decoded: <input>: bad seek to 2147483647');
    expect(decodeFailure(new Error('unable to open "/etc/thumbs/a.png" for read')).detail).toBe(
      'The image could not be decoded: unable to open "<input>" for read',
    );
    expect(decodeFailure(new Error('chroma 4:2:0 and 1/2 scale')).detail).toContain('4:2:0 and 1/2 scale');
  });

  it('regression: a TIFF whose strip lies past the end of a file on disk fails without naming that file', async () => {
    const entries = [
      [256, 4, 1, 8],
      [257, 4, 1, 8],
      [258, 3, 1, 8],
      [259, 3, 1, 1],
      [262, 3, 1, 1],
      [273, 4, 1, 0x7fff_ffff], // StripOffsets far past the end
      [277, 3, 1, 1],
      [278, 4, 1, 8],
      [279, 4, 1, 64],
    ] as const;
    expect(tiffPixelOffset(entries.length)).toBeLessThan(0x7fff_ffff);
    const path = join(dir, 'strip-past-end.tif');
    await writeFile(path, tiffWithEntries(entries));
    const error = await render({ path }, DEFAULT_PRESETS.map(withVersion), DEFAULT_IMAGING_LIMITS).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'TS_IMAGE_CORRUPT' });
    expect((error as Error).message).not.toContain(dir);
    expect((error as Error).message).toContain('bad seek');
  });
});
