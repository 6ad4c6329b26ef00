import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../support/images.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * The package outside the clone, as `npm install -g .` / `npm link` leave it: the bin reached through a symbolic link
 * from another directory, and `thumbsmith/client` imported by another program from its node_modules. Both use the
 * built `dist/` (made here when missing, as `npm ci` would).
 */
describe('installed outside the clone', () => {
  let service: ServiceProcess;
  let elsewhere: string;
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', THUMBSMITH_URL: service.url });

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/client/entry.js')) || !existsSync(join(ROOT, 'dist/sdk/index.d.ts'))) {
      const tsc = join(ROOT, 'node_modules/.bin/tsc');
      await run(tsc, ['-p', 'tsconfig.build.json'], { cwd: ROOT });
      await run(tsc, ['-p', 'tsconfig.sdk.json'], { cwd: ROOT });
    }
    service = await startService();
    elsewhere = await mkdtemp(join(tmpdir(), 'thumbsmith-installed-'));
    // What `npm install -g` makes: <prefix>/bin/thumbsmith -> <package>/bin/thumbsmith.js.
    await mkdir(join(elsewhere, 'bin'));
    await symlink(join(ROOT, 'bin/thumbsmith.js'), join(elsewhere, 'bin/thumbsmith'));
    // And what `npm install <the clone>` makes in another project: node_modules/thumbsmith -> the package.
    await mkdir(join(elsewhere, 'project/node_modules'), { recursive: true });
    await symlink(ROOT, join(elsewhere, 'project/node_modules/thumbsmith'), 'dir');
    await writeFile(join(elsewhere, 'project/photo.jpg'), await makeJpeg({ width: 900, height: 600 }));
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    if (service) await removeDataDir(service.dataDir);
    if (elsewhere) await rm(elsewhere, { recursive: true, force: true });
  });

  it('the bin, through a symbolic link, from another directory', async () => {
    const { stdout } = await run(join(elsewhere, 'bin/thumbsmith'), ['upload', 'photo.jpg', '--wait'], {
      cwd: join(elsewhere, 'project'),
      env: env(),
    });
    expect(stdout).toMatch(
      /^done +photo\.jpg +img_\S+ +small 150x100, medium 400x267, large 800x533\n1 file: 1 done · /,
    );
  }, 60_000);

  it("another program imports `thumbsmith/client` and calls the server with the package's types", async () => {
    const program = join(elsewhere, 'project/program.mjs');
    await writeFile(
      program,
      `import { readFile } from 'node:fs/promises';
import { createThumbsmithClient, formData, must, ApiProblem } from 'thumbsmith/client';
const client = createThumbsmithClient({ baseUrl: process.env.THUMBSMITH_URL });
const file = new File([await readFile('photo.jpg')], 'photo.jpg');
const accepted = await must(client.POST('/v1/images', { body: { file }, bodySerializer: formData }));
let image = accepted;
for (let tries = 0; image.status !== 'done' && tries < 5; tries++) {
  image = await must(client.GET('/v1/images/{id}', { params: { path: { id: accepted.id }, query: { wait: 20 } } }));
}
const missing = await must(client.GET('/v1/images/{id}', { params: { path: { id: 'img_00000000000000000000000000' } } })).catch((e) => e);
console.log(JSON.stringify({ id: image.id, status: image.status, missing: missing instanceof ApiProblem && missing.code }));
`,
    );
    const { stdout } = await run(process.execPath, [program], { cwd: join(elsewhere, 'project'), env: env() });
    expect(JSON.parse(stdout)).toEqual({ id: expect.stringMatching(/^img_/), status: 'done', missing: 'TS_NOT_FOUND' });
    // Its types ship with it, for a TypeScript program.
    expect(existsSync(join(elsewhere, 'project/node_modules/thumbsmith/dist/sdk/index.d.ts'))).toBe(true);
  }, 150_000);
});
