import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { download, getImage, type ImageJson, uploadOk, waitForFinal } from '../support/http.js';
import { waitFor } from '../support/wait.js';
import { filesUnder, jpeg, runCli, tempDataDirs, withService } from './support.js';

const newDataDir = tempDataDirs();

const variantOf = (image: ImageJson, preset: string) => image.variants.find((v) => v.preset === preset);

describe('preset changes (embedded default, real processes)', () => {
  it('`thumbsmith reprocess` re-renders variants made by an older preset definition; old blobs go', async () => {
    const dataDir = await newDataDir();
    const before = { PRESETS: 'small:150,medium:400' };
    const after = { PRESETS: 'small:150,medium:300' };
    const [ids, old] = await withService({ dataDir, env: before }, async (service) => {
      const uploaded = [
        await uploadOk(service.url, await jpeg(1, 640, 480)),
        await uploadOk(service.url, await jpeg(2)),
      ];
      const finished = [];
      for (const { id } of uploaded) finished.push(await waitForFinal(service.url, id));
      expect(finished.map((image) => image.status)).toStrictEqual(['done', 'done']);
      return [finished.map((image) => image.id), finished[0]!] as const;
    });
    const oldMedium = variantOf(old, 'medium')!;
    expect(oldMedium.width).toBe(400);

    const none = await runCli(['reprocess', '--preset', 'small'], { DATA_DIR: dataDir, ...after });
    expect(none.stdout).toContain('scanned 2 done image(s), enqueued 0 re-render(s)');
    const run = await runCli(['reprocess'], { DATA_DIR: dataDir, ...after });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('scanned 2 done image(s), enqueued 2 re-render(s)');

    await withService({ dataDir, env: after }, async (service) => {
      for (const id of ids) {
        const image = await waitFor(
          `${id} to be re-rendered`,
          async () => {
            const image = await getImage(service.url, id);
            return variantOf(image, 'medium')?.presetVersion !== oldMedium.presetVersion && image;
          },
          { timeoutMs: 30_000, intervalMs: 50 },
        );
        expect(image.status).toBe('done');
        expect(variantOf(image, 'small')?.presetVersion).toBe(variantOf(old, 'small')?.presetVersion);
        const medium = variantOf(image, 'medium')!;
        expect(Math.max(medium.width, medium.height)).toBe(300);
        const response = await download(service.url, id, 'medium');
        expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(medium.width);
      }
      // The replaced variants are gone from storage: per image, the original and one file per preset.
      const files = await filesUnder(join(dataDir, 'blobs', 'content', old.original!.sha256));
      expect(files).toHaveLength(3);
      expect(files.some((f) => f.includes(`medium-${oldMedium.presetVersion}`))).toBe(false);
    });
  });
});
