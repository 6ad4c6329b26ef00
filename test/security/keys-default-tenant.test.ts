import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedRuntime, submitBytes } from '../support/embedded-runtime.js';
import { makeJpeg } from '../support/images.js';
import { keysCli } from '../support/keys.js';

const NOTICE = /Notice: 2 images are in tenant "default"[\s\S]*thumbsmith keys create --tenant default/;

/**
 * Creating the first key hides every image uploaded before (tenant `default`) from keys of other tenants:
 * `keys create` says so, on stderr, until tenant `default` has a key of its own.
 */
describe('keys create on a server whose images are in tenant default', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ts-keys-default-'));
    const embedded = await openEmbeddedRuntime({ DATA_DIR: dataDir });
    try {
      for (const colour of [10, 20]) {
        await submitBytes(embedded.runtime, await makeJpeg({ width: 64, height: 48, colour: [colour, 90, 30] }));
      }
    } finally {
      await embedded.close();
    }
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('warns with the count and the way to keep them, until a key of tenant default exists', async () => {
    const first = await keysCli(dataDir, 'create', '--tenant', 'acme');
    expect(first.stdout.split('\n')[0]).toMatch(/^ts_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(first.stdout).not.toMatch(/Notice/);
    expect(first.stderr).toMatch(NOTICE);
    // Still no key of tenant default: the next key of another tenant warns again.
    expect((await keysCli(dataDir, 'create', '--tenant', 'beta')).stderr).toMatch(NOTICE);
    // A key of tenant default itself reaches them: no notice, then or after.
    expect((await keysCli(dataDir, 'create', '--tenant', 'default')).stderr).not.toMatch(/Notice/);
    expect((await keysCli(dataDir, 'create', '--tenant', 'gamma')).stderr).not.toMatch(/Notice/);
  });

  it('says nothing when tenant default has no images', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ts-keys-empty-'));
    try {
      expect((await keysCli(empty, 'create', '--tenant', 'acme')).stderr).not.toMatch(/Notice/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
