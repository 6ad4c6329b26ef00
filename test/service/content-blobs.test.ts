import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContentBlobs } from '../../src/service/content-blobs.js';
import { type EmbeddedRuntime, lifecyclePartsOf, openEmbeddedRuntime } from '../support/embedded-runtime.js';
import { makeJpeg } from '../support/images.js';

describe('ContentBlobs on the embedded adapters: reference-counted, content-addressed blobs', () => {
  let embedded: EmbeddedRuntime;
  let content: ContentBlobs;

  /** A spool file as an upload leaves it, and the SHA-256 of its bytes. */
  async function spooled(name: string, seed: number): Promise<{ path: string; sha256: string }> {
    const bytes = await makeJpeg({ width: 24, height: 24, colour: [seed, 10, 10] });
    const path = join(embedded.dataDir, 'tmp', name);
    await writeFile(path, bytes);
    return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  const stored = (key: string) => embedded.runtime.blobs.stat(key);

  beforeAll(async () => {
    embedded = await openEmbeddedRuntime();
    ({ content } = lifecyclePartsOf(embedded.runtime));
  });
  afterAll(() => embedded?.close());

  it('stores the original once per tenant and content; the last release deletes every blob of it', async () => {
    const file = await spooled('a.jpg', 1);
    const first = await content.acquire('acme', file.sha256, file);
    const second = await content.acquire('acme', file.sha256, file);
    expect(second).toEqual(first);
    expect(first.originalKey).toBe(`content/${file.sha256}/${first.generation}/original`);
    expect(await stored(first.originalKey)).toBeDefined();
    // A variant written under the content's prefix goes with it.
    const variantKey = `content/${file.sha256}/${first.generation}/small-v1.jpg`;
    await embedded.runtime.blobs.put(variantKey, { buffer: Buffer.from('thumb') }, { contentType: 'image/jpeg' });

    await content.release(first);
    expect(await stored(first.originalKey)).toBeDefined();
    await content.release(second);
    expect(await stored(first.originalKey)).toBeUndefined();
    expect(await stored(variantKey)).toBeUndefined();
  });

  it('keeps tenants apart, and makes a new generation for bytes acquired again after their deletion', async () => {
    const file = await spooled('b.jpg', 2);
    const acme = await content.acquire('acme', file.sha256, file);
    const beta = await content.acquire('beta', file.sha256, file);
    expect(beta.generation).not.toBe(acme.generation);
    await content.release(acme);
    expect(await stored(beta.originalKey)).toBeDefined();

    const again = await content.acquire('acme', file.sha256, file);
    expect(again.generation).not.toBe(acme.generation);
    expect(await stored(again.originalKey)).toBeDefined();
    await content.release(again);
    await content.release(beta);
    expect(await stored(beta.originalKey)).toBeUndefined();
  });
});
