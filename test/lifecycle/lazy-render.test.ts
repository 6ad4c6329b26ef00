import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { download, getImage, type ImageJson, uploadOk, waitForFinal } from '../support/http.js';
import { filesUnder, jpeg, tempDataDirs, withService } from './support.js';

const newDataDir = tempDataDirs();

const variantOf = (image: ImageJson, preset: string) => image.variants.find((v) => v.preset === preset);

describe('preset changes (embedded default, real processes)', () => {
  it('a missing or stale variant is rendered on first request, once for many concurrent requests', async () => {
    const dataDir = await newDataDir();
    const id = await withService({ dataDir, env: { PRESETS: 'small:150,medium:400' } }, async (service) => {
      const { id: uploaded } = await uploadOk(service.url, await jpeg(3, 800, 600));
      expect((await waitForFinal(service.url, uploaded)).status).toBe('done');
      return uploaded;
    });
    await withService({ dataDir, env: { PRESETS: 'small:150,medium:200,tiny:64' } }, async (service) => {
      const responses = await Promise.all(Array.from({ length: 6 }, () => download(service.url, id, 'tiny')));
      const bodies = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer())));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(new Set(responses.map((r) => r.headers.get('etag'))).size).toBe(1);
      expect((await sharp(bodies[0]!).metadata()).width).toBe(64);
      const renders = service.logs.filter(
        (l) => l.imageId === id && l.preset === 'tiny' && String(l.msg).startsWith('rendering a missing or stale'),
      );
      expect(renders).toHaveLength(1);

      const medium = await download(service.url, id, 'medium');
      expect((await sharp(Buffer.from(await medium.arrayBuffer())).metadata()).width).toBe(200);
      const image = await getImage(service.url, id);
      expect(image.variants.map((v) => v.preset).sort()).toStrictEqual(['medium', 'small', 'tiny']);
      expect(variantOf(image, 'medium')?.width).toBe(200);
      // original + small + the new medium + tiny; the 400 px medium was deleted after the swap.
      expect(await filesUnder(join(dataDir, 'blobs', 'content', image.original!.sha256))).toHaveLength(4);
    });
  });
});
