import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET_VALUES, DEFAULT_PRESETS, type PresetDefinition, withVersion } from '../../src/domain/preset.js';
import { RenderGuard } from '../../src/imaging/guard.js';
import { DEFAULT_IMAGING_LIMITS } from '../../src/imaging/index.js';
import type { RenderContext } from '../../src/imaging/pipeline.js';
import { RENDER_STEPS } from '../../src/imaging/render.js';
import { planGeometry, planStep } from '../../src/imaging/steps/plan.js';

function preset(overrides: Partial<PresetDefinition> = {}) {
  return withVersion({ name: 'p', width: 100, height: 100, ...DEFAULT_PRESET_VALUES, ...overrides });
}

describe('planGeometry', () => {
  it('inside: the binding side gets the box size, the other is rounded; never enlarged by default', () => {
    expect(planGeometry(1000, 700, preset({ width: 150, height: 150 }))).toMatchObject({
      width: 150,
      height: 105,
      scale: 0.15,
    });
    expect(planGeometry(4000, 2999, preset({ width: 800, height: 800 }))).toMatchObject({ width: 800, height: 600 });
    expect(planGeometry(120, 90, preset({ width: 800, height: 800 }))).toMatchObject({
      width: 120,
      height: 90,
      scale: 1,
    });
    expect(planGeometry(120, 90, preset({ width: 240, height: 240, enlarge: true }))).toMatchObject({
      width: 240,
      height: 180,
      scale: 2,
    });
    expect(planGeometry(10000, 1, preset({ width: 150, height: 150 }))).toMatchObject({ width: 150, height: 1 });
  });

  it('cover: exactly the box, or a crop no larger than the source without enlarge', () => {
    expect(planGeometry(1000, 700, preset({ fit: 'cover' }))).toMatchObject({ width: 100, height: 100, scale: 1 / 7 });
    expect(planGeometry(120, 60, preset({ fit: 'cover' }))).toMatchObject({ width: 100, height: 60, scale: 1 });
    expect(planGeometry(50, 1000, preset({ fit: 'cover' }))).toMatchObject({ width: 50, height: 100, scale: 1 });
    expect(planGeometry(50, 50, preset({ fit: 'cover', enlarge: true }))).toMatchObject({
      width: 100,
      height: 100,
      scale: 2,
    });
  });

  it('contain: the output is the box, the picture inside is fitted', () => {
    expect(planGeometry(400, 200, preset({ fit: 'contain', width: 200, height: 200 }))).toMatchObject({
      width: 200,
      height: 200,
      innerWidth: 200,
      innerHeight: 100,
    });
    expect(planGeometry(40, 20, preset({ fit: 'contain' }))).toMatchObject({
      width: 100,
      height: 100,
      innerWidth: 40,
      innerHeight: 20,
    });
  });
});

describe('plan step', () => {
  async function plan(width: number, height: number, presets: PresetDefinition[]) {
    const context: RenderContext = {
      input: { buffer: Buffer.alloc(0) },
      presets: presets.map(withVersion),
      limits: DEFAULT_IMAGING_LIMITS,
      guard: new RenderGuard(),
      source: {
        format: 'jpeg',
        width,
        height,
        frames: 1,
        hasAlpha: false,
        orientation: 1,
        space: 'srgb',
        decoder: 'libvips',
      },
    };
    await planStep.run(context);
    return context.plan!;
  }

  it('decodes once at the largest size any preset needs', async () => {
    expect(await plan(4000, 3000, [...DEFAULT_PRESETS])).toMatchObject({
      decodeWidth: 800,
      decodeHeight: 600,
      needsStill: true,
    });
    expect(await plan(4000, 3000, [preset({ fit: 'cover', width: 900, height: 100 })])).toMatchObject({
      decodeWidth: 900,
      decodeHeight: 675,
    });
    expect(await plan(300, 200, [...DEFAULT_PRESETS])).toMatchObject({ decodeWidth: 300, decodeHeight: 200 });
    expect(await plan(300, 200, [preset({ width: 600, height: 600, enlarge: true })])).toMatchObject({
      decodeWidth: 300,
    });
  });

  it('runs the steps in the documented order', () => {
    expect(RENDER_STEPS.map((s) => s.name)).toEqual(['inspect', 'plan', 'decode', 'encode']);
  });
});
