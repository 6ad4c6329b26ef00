import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET_VALUES, type PresetDefinition, withVersion } from '../../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, render } from '../../src/imaging/index.js';
import { colourDistance, makeAnimatedGif, makeJpeg, makeWebp } from '../support/images.js';

const limits = DEFAULT_IMAGING_LIMITS;

function preset(overrides: Partial<PresetDefinition> = {}) {
  return withVersion({ name: 'anim', width: 100, height: 100, ...DEFAULT_PRESET_VALUES, animated: true, ...overrides });
}

/** The RGB of the centre pixel of every frame. */
async function frameColours(image: Buffer): Promise<number[][]> {
  const { data, info } = await sharp(image, { animated: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pageHeight = info.pageHeight ?? info.height;
  const frames = info.height / pageHeight;
  return Array.from({ length: frames }, (_, f) => {
    const i = ((f * pageHeight + Math.floor(pageHeight / 2)) * info.width + Math.floor(info.width / 2)) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  });
}

describe('animated input', () => {
  for (const [name, make] of [
    ['GIF', () => makeAnimatedGif()],
    ['WebP', () => makeWebp({ animated: true })],
  ] as const) {
    it(`${name}: an animated preset keeps every frame (auto -> animated WebP), timing included`, async () => {
      const [variant] = await render({ buffer: await make() }, [preset()], limits);
      expect(variant!.format).toBe('webp');
      expect([variant!.width, variant!.height]).toEqual([100, 60]);
      const metadata = await sharp(variant!.data).metadata();
      expect(metadata.pages).toBe(3);
      expect(metadata.delay).toEqual([100, 100, 100]);
      expect(metadata.loop).toBe(0);
      const colours = await frameColours(variant!.data);
      for (const [i, expected] of [
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
      ].entries()) {
        expect(colourDistance(colours[i]!, expected), `frame ${i}`).toBeLessThanOrEqual(12);
      }
      expect(metadata.exif).toBeUndefined();
    });
  }

  it('cover and contain apply to every frame', async () => {
    const buffer = await makeAnimatedGif();
    const [cover, contain] = await render(
      { buffer },
      [
        preset({ name: 'cover', fit: 'cover', gravity: 'attention' }),
        preset({ name: 'contain', fit: 'contain', background: '#ffffff' }),
      ],
      limits,
    );
    expect([cover!.width, cover!.height]).toEqual([100, 100]);
    expect([contain!.width, contain!.height]).toEqual([100, 100]);
    expect((await sharp(cover!.data).metadata()).pages).toBe(3);
    expect((await sharp(contain!.data).metadata()).pages).toBe(3);
  });

  it('a preset that is not animated, or asks for JPEG/PNG/AVIF, gets the first frame', async () => {
    const buffer = await makeAnimatedGif();
    const variants = await render(
      { buffer },
      [preset({ animated: false }), preset({ format: 'jpeg' }), preset({ format: 'png' }), preset({ format: 'avif' })],
      limits,
    );
    expect(variants.map((v) => v.format)).toEqual(['jpeg', 'jpeg', 'png', 'avif']);
    for (const variant of variants) {
      expect((await sharp(variant.data).metadata()).pages ?? 1).toBe(1);
      expect(colourDistance(await frameColours(variant.data).then((c) => c[0]!), [255, 0, 0])).toBeLessThanOrEqual(12);
    }
  });

  it('still and animated presets render together, in preset order', async () => {
    const variants = await render(
      { buffer: await makeAnimatedGif() },
      [preset({ name: 'still', animated: false }), preset({ name: 'moving' })],
      limits,
    );
    expect(variants.map((v) => v.preset.name)).toEqual(['still', 'moving']);
    expect(await Promise.all(variants.map(async (v) => (await sharp(v.data).metadata()).pages ?? 1))).toEqual([1, 3]);
  });

  it('a still image with an animated preset renders normally', async () => {
    const [variant] = await render({ buffer: await makeJpeg({ width: 300, height: 200 }) }, [preset()], limits);
    expect(variant!.format).toBe('jpeg');
    expect([variant!.width, variant!.height]).toEqual([100, 67]);
  });

  it('keeping an animation respects maxTotalPixels (a still preset is fine)', async () => {
    const buffer = await makeAnimatedGif(); // 3 x 200 x 120 = 72 000 pixels
    const tight = { ...limits, maxTotalPixels: 70_000 };
    await expect(render({ buffer }, [preset()], tight)).rejects.toMatchObject({ code: 'TS_IMAGE_TOO_MANY_PIXELS' });
    await expect(render({ buffer }, [preset({ animated: false })], tight)).resolves.toHaveLength(1);
  });

  it('is deterministic', async () => {
    const buffer = await makeAnimatedGif();
    const [a] = await render({ buffer }, [preset()], limits);
    const [b] = await render({ buffer }, [preset()], limits);
    expect(a!.data.equals(b!.data)).toBe(true);
  });
});
