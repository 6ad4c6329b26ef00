import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../src/client/progress.js';
import { type LoopbackServer, startLoopbackServer } from '../fetcher/loopback-server.js';
import { type CliOptions, type CliRun, runCli } from '../support/cli.js';
import { makeJpeg, makePng, makeWebp } from '../support/images.js';
import { freePort } from '../support/ports.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';

interface UploadDocument {
  ok: boolean;
  server: string;
  waited: boolean;
  error: { code: string | null; message: string; plain: string; nextStep: string | null } | null;
  interrupted: boolean;
  created: string[];
  summary: {
    inputs: number;
    files: number;
    urls: number;
    accepted: number;
    done: number;
    uploaded: number;
    failed: number;
    rejected: number;
    unreachable: number;
    unfinished: number;
    error: number;
    interrupted: number;
    skipped: number;
    bytes: number;
  };
  skipped: Array<{ file: string; reason: string }>;
  images: Array<{
    file: string;
    bytes: number | null;
    status: string;
    id: string | null;
    error: { code: string | null; message: string; plain: string; nextStep: string | null } | null;
    image: { status: string; original: { format: string; width: number; height: number } } | null;
    outputs: Array<{ preset: string; path: string; width: number; height: number; format: string; bytes: number }>;
  }>;
}

/** Every file under `dir`, relative, `/`-separated, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** A client command (only the client's modules, as bin/thumbsmith.js starts them). */
function runClient(args: string[], options: Omit<CliOptions, 'via'>): Promise<CliRun> {
  return runCli(args, { ...options, via: 'client' });
}

async function dimensions(path: string) {
  const meta = await sharp(path).metadata();
  return { width: meta.width, height: meta.height, format: meta.format };
}

describe('thumbsmith upload (CLI against a live server)', () => {
  let service: ServiceProcess;
  let work: string;
  let env: Record<string, string>;
  /** Serves images to upload by URL on 127.0.0.1 (the server may fetch from loopback in this test only). */
  let origin: LoopbackServer;

  beforeAll(async () => {
    const served: Record<string, Buffer> = {
      '/pics/my%20sunset.jpg': await makeJpeg({ width: 1000, height: 500 }),
      '/other/a.jpg': await makeJpeg({ width: 300, height: 600 }),
    };
    origin = await startLoopbackServer((req, res) => {
      const body = served[req.url ?? ''];
      if (body) res.writeHead(200, { 'content-type': 'image/jpeg' }).end(body);
      else res.writeHead(404).end();
    });
    service = await startService({ env: { FETCH_ALLOW_LOOPBACK: 'true' } });
    work = await mkdtemp(join(tmpdir(), 'thumbsmith-cli-'));
    env = { THUMBSMITH_URL: service.url };
    // photos/
    //   a.jpg, a.png          same name, two formats: their folders keep the extension
    //   2024/beach.webp       nested
    //   2024/notes.txt        not an image extension: skipped
    //   .hidden.jpg           hidden: skipped
    //   bad/not-an-image.jpg  text with an image name: rejected at upload
    //   bad/truncated.png     header fine, pixels cut off: fails in the worker
    const photos = join(work, 'photos');
    await mkdir(join(photos, '2024'), { recursive: true });
    await mkdir(join(photos, 'bad'), { recursive: true });
    await writeFile(join(photos, 'a.jpg'), await makeJpeg({ width: 1200, height: 800 }));
    await writeFile(join(photos, 'a.png'), await makePng({ width: 640, height: 900 }));
    await writeFile(join(photos, '2024', 'beach.webp'), await makeWebp({ width: 500, height: 300 }));
    await writeFile(join(photos, '2024', 'notes.txt'), 'not a picture\n');
    await writeFile(join(photos, '.hidden.jpg'), await makeJpeg({ width: 100, height: 100 }));
    await writeFile(
      join(photos, 'bad', 'not-an-image.jpg'),
      'hello, I am plain text pretending to be a JPEG\n'.repeat(10),
    );
    const png = await makePng({ width: 600, height: 400 });
    await writeFile(join(photos, 'bad', 'truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
  });

  afterAll(async () => {
    await origin?.close();
    await service?.stop();
    if (service) await removeDataDir(service.dataDir);
    if (work) await rm(work, { recursive: true, force: true });
  });

  let document: UploadDocument;

  it('uploads a tree, mirrors it under --out, reports hostile files, and exits 1 (--json)', async () => {
    // Through the full `thumbsmith` entry (src/cli.ts routes client commands); later runs start the client alone.
    const run = await runCli(['upload', 'photos', '--out', 'thumbs', '--json'], { cwd: work, env, via: 'cli' });
    expect(run.code, run.stderr).toBe(1);
    // stdout is exactly one JSON document, nothing else
    document = JSON.parse(run.stdout) as UploadDocument;
    expect(document.ok).toBe(false);
    expect(document.waited).toBe(true);
    expect(document.summary).toMatchObject({
      inputs: 7,
      files: 5,
      accepted: 4,
      done: 3,
      uploaded: 0,
      failed: 1,
      rejected: 1,
      unreachable: 0,
      unfinished: 0,
      error: 0,
      interrupted: 0,
      skipped: 2,
    });
    // Every input is accounted for: one outcome each, or skipped with its reason.
    expect(OUTCOMES.reduce((sum, outcome) => sum + document.summary[outcome], 0) + document.summary.skipped).toBe(
      document.summary.inputs,
    );
    expect(document.skipped).toEqual([
      { file: 'photos/.hidden.jpg', reason: 'hidden' },
      { file: 'photos/2024/notes.txt', reason: 'not an image' },
    ]);
    expect(document.error).toBeNull();
    expect(document.created).toHaveLength(4);

    const byFile = Object.fromEntries(document.images.map((entry) => [entry.file, entry]));
    expect(Object.keys(byFile).sort()).toEqual([
      'photos/2024/beach.webp',
      'photos/a.jpg',
      'photos/a.png',
      'photos/bad/not-an-image.jpg',
      'photos/bad/truncated.png',
    ]);
    expect(byFile['photos/bad/not-an-image.jpg']).toMatchObject({
      status: 'rejected',
      id: null,
      error: {
        code: 'TS_UNSUPPORTED_MEDIA',
        plain: 'This file is not an image. This server accepts JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF/HEIC, BMP.',
      },
    });
    expect(byFile['photos/bad/truncated.png']).toMatchObject({
      status: 'failed',
      error: { code: 'TS_IMAGE_CORRUPT' },
    });
    expect(byFile['photos/bad/truncated.png']!.id).toMatch(/^img_/);
    expect(byFile['photos/a.jpg']).toMatchObject({
      status: 'done',
      image: { status: 'done', original: { format: 'jpeg', width: 1200, height: 800 } },
    });

    expect(await tree(join(work, 'thumbs'))).toEqual([
      '2024/beach/large.jpg',
      '2024/beach/medium.jpg',
      '2024/beach/small.jpg',
      'a.jpg/large.jpg',
      'a.jpg/medium.jpg',
      'a.jpg/small.jpg',
      'a.png/large.jpg',
      'a.png/medium.jpg',
      'a.png/small.jpg',
    ]);
    expect(await dimensions(join(work, 'thumbs/a.jpg/small.jpg'))).toEqual({ width: 150, height: 100, format: 'jpeg' });
    expect(await dimensions(join(work, 'thumbs/a.jpg/large.jpg'))).toEqual({ width: 800, height: 533, format: 'jpeg' });
    expect(await dimensions(join(work, 'thumbs/a.png/medium.jpg'))).toEqual({
      width: 284,
      height: 400,
      format: 'jpeg',
    });
    expect(await dimensions(join(work, 'thumbs/2024/beach/medium.jpg'))).toEqual({
      width: 400,
      height: 240,
      format: 'jpeg',
    });
    // The document names each saved file with what was measured on the server.
    const small = byFile['photos/a.jpg']!.outputs.find((output) => output.preset === 'small');
    expect(small).toMatchObject({ path: 'thumbs/a.jpg/small.jpg', width: 150, height: 100, format: 'jpeg' });
    expect(small!.bytes).toBeGreaterThan(100);
  });

  it('prints one plain line per file when piped, saves only the chosen presets, and exits 0', async () => {
    const run = await runClient(
      ['upload', 'photos/a.jpg', 'photos/2024', '--out', 'chosen', '--presets', 'small,large'],
      {
        cwd: work,
        env,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // No terminal: no colour codes, no carriage-return redraws.
    expect(run.stdout).not.toContain(String.fromCharCode(27));
    expect(run.stdout).not.toContain('\r');
    expect(lines.filter((line) => line.startsWith('done ')).sort()).toEqual([
      expect.stringMatching(
        /^done +photos\/2024\/beach\.webp +img_\S+ +small 150x90, medium 400x240, large 500x300 -> chosen\/beach\/$/,
      ),
      expect.stringMatching(
        /^done +photos\/a\.jpg +img_\S+ +small 150x100, medium 400x267, large 800x533 -> chosen\/a\/$/,
      ),
    ]);
    expect(lines[2]).toMatch(/^2 files: 2 done · .* · 1 skipped \(not an image\) · thumbnails in chosen$/);
    expect(await tree(join(work, 'chosen'))).toEqual([
      'a/large.jpg',
      'a/small.jpg',
      'beach/large.jpg',
      'beach/small.jpg',
    ]);
    expect(await dimensions(join(work, 'chosen/beach/large.jpg'))).toEqual({ width: 500, height: 300, format: 'jpeg' });
  });

  it('uploads URLs with files: the server fetches them, --out names their folders by file name (--json)', async () => {
    const sunset = `${origin.origin}/pics/my%20sunset.jpg`;
    const otherA = `${origin.origin}/other/a.jpg`;
    const run = await runClient(['upload', sunset, 'photos/a.jpg', otherA, '--wait', '--out', 'mixed', '--json'], {
      cwd: work,
      env,
    });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as UploadDocument;
    const fileBytes = (await stat(join(work, 'photos/a.jpg'))).size;
    // A URL's size is not known here: `null`, and the bytes total counts the file only.
    expect(report.summary).toMatchObject({ files: 3, urls: 2, accepted: 3, done: 3, failed: 0, rejected: 0 });
    expect(report.summary.bytes).toBe(fileBytes);
    expect(report.images.map((entry) => [entry.file, entry.status, entry.bytes])).toEqual([
      [sunset, 'done', null],
      ['photos/a.jpg', 'done', fileBytes],
      [otherA, 'done', null],
    ]);
    expect(report.images[0]!.image).toMatchObject({ original: { format: 'jpeg', width: 1000, height: 500 } });

    // The file keeps its name; the URL with the same file name gets the next free one.
    expect(await tree(join(work, 'mixed'))).toEqual([
      'a-2/large.jpg',
      'a-2/medium.jpg',
      'a-2/small.jpg',
      'a/large.jpg',
      'a/medium.jpg',
      'a/small.jpg',
      'my sunset/large.jpg',
      'my sunset/medium.jpg',
      'my sunset/small.jpg',
    ]);
    expect(await dimensions(join(work, 'mixed/my sunset/small.jpg'))).toEqual({
      width: 150,
      height: 75,
      format: 'jpeg',
    });
    expect(await dimensions(join(work, 'mixed/my sunset/large.jpg'))).toEqual({
      width: 800,
      height: 400,
      format: 'jpeg',
    });
    expect(await dimensions(join(work, 'mixed/a-2/medium.jpg'))).toEqual({ width: 200, height: 400, format: 'jpeg' });
    expect(await dimensions(join(work, 'mixed/a/medium.jpg'))).toEqual({ width: 400, height: 267, format: 'jpeg' });
    expect(report.images[2]!.outputs.map((output) => output.path)).toEqual([
      'mixed/a-2/small.jpg',
      'mixed/a-2/medium.jpg',
      'mixed/a-2/large.jpg',
    ]);
  });

  it('a URL refused at once or failing to fetch is reported with its code and exit 1; the rest still uploads', async () => {
    const missing = `${origin.origin}/pics/missing.jpg`;
    const run = await runClient(['upload', 'https://user:pw@example.com/a.jpg', missing, 'photos/a.png', '--wait'], {
      cwd: work,
      env,
    });
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    // Lines come as the uploads finish; the summary comes last.
    expect(lines.slice(0, 3).sort()).toEqual([
      expect.stringMatching(/^done +photos\/a\.png +img_\S+ +small 107x150, medium 284x400, large 569x800$/),
      expect.stringMatching(
        /^failed +http:\/\/127\.0\.0\.1:\d+\/pics\/missing\.jpg +img_\S+ +The site at that link answered .* \(TS_FETCH_UPSTREAM_CLIENT_ERROR\)$/,
      ),
      expect.stringMatching(
        /^rejected +https:\/\/user:\*\*\*@example\.com\/a\.jpg +Only http:\/\/ and https:\/\/ links .* \(TS_FETCH_FORBIDDEN_URL\)$/,
      ),
    ]);
    // The password typed into the URL is not repeated.
    expect(run.stdout).not.toContain(':pw@');
    expect(lines[3]).toMatch(/^1 file \+ 2 URLs: 1 done, 1 failed, 1 rejected · [\d.]+ kB from files in \S+$/);
  });

  it('without --wait reports each upload as accepted and does not wait', async () => {
    const run = await runClient(['upload', 'photos/a.png', '--server', service.url], { cwd: work });
    expect(run.code, run.stderr).toBe(0);
    // Already `done` is possible: the same bytes were uploaded by the first test.
    expect(run.stdout).toMatch(/^uploaded +photos\/a\.png +img_\S+ +(queued|processing|done)\n1 file: 1 uploaded · /);
  });

  it('an unknown --presets name fails the image with a plain reason', async () => {
    const run = await runClient(['upload', 'photos/a.jpg', '--out', 'nope', '--presets', 'huge'], { cwd: work, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^error +photos\/a\.jpg +img_\S+ +No preset huge on this server \(it has small, medium, large\)\./,
    );
  });

  it('status and get read single images; unknown ids are "not found" with exit 1', async () => {
    const done = document.images.find((entry) => entry.file === 'photos/a.jpg')!.id!;
    const failed = document.images.find((entry) => entry.file === 'photos/bad/truncated.png')!.id!;

    const status = await runClient(['status', done], { cwd: work, env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toBe(
      `${done}  done  a.jpg  JPEG 1200x800  small 150x100 jpeg, medium 400x267 jpeg, large 800x533 jpeg\n`,
    );

    const mixed = await runClient(['status', done, failed, 'img_00000000000000000000000000', '--json'], {
      cwd: work,
      env,
    });
    expect(mixed.code).toBe(1);
    const report = JSON.parse(mixed.stdout) as {
      ok: boolean;
      images: Array<{ id: string; status: string; error: { code: string | null } | null }>;
    };
    expect(report.ok).toBe(false);
    expect(report.images.map((entry) => [entry.id, entry.status, entry.error?.code ?? null])).toEqual([
      [done, 'done', null],
      [failed, 'failed', 'TS_IMAGE_CORRUPT'],
      ['img_00000000000000000000000000', 'not_found', 'TS_NOT_FOUND'],
    ]);

    const get = await runClient(['get', done, '--out', 'got', '--presets', 'medium'], { cwd: work, env });
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe(`${done}  saved  a.jpg  medium -> got/${done}/\n`);
    expect(await tree(join(work, 'got'))).toEqual([`${done}/medium.jpg`]);
    expect(await dimensions(join(work, 'got', done, 'medium.jpg'))).toEqual({
      width: 400,
      height: 267,
      format: 'jpeg',
    });

    const getFailed = await runClient(['get', failed, '--out', 'got'], { cwd: work, env });
    expect(getFailed.code).toBe(1);
    expect(getFailed.stdout).toMatch(/failed .*The image is damaged or incomplete/);
  });

  it('delete removes an image; deleting it again, or an unknown id, is "not found" with exit 1', async () => {
    const id = document.images.find((entry) => entry.file === 'photos/2024/beach.webp')!.id!;
    const removed = await runClient(['delete', id], { cwd: work, env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`${id}  deleted  beach.webp\n`);
    expect((await fetch(`${service.url}/v1/images/${id}`)).status).toBe(404);

    const again = await runClient(['delete', id, '--json'], { cwd: work, env });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: false,
      command: 'delete',
      images: [{ id, status: 'not_found', error: { code: 'TS_NOT_FOUND' } }],
    });
  });

  it('on a terminal shows a progress line with a bar, counts and bytes, and colours the summary', async (context) => {
    if (!existsSync('/usr/bin/script')) context.skip(); // util-linux `script` gives the child a pseudo-terminal
    const run = await runClient(['upload', 'photos/a.jpg', 'photos/2024', '--out', 'tty', '--server', service.url], {
      cwd: work,
      terminal: true,
      timeoutMs: 45_000,
    });
    expect(run.code, run.stdout).toBe(0);
    const output = run.stdout;
    // The status line is redrawn in place (carriage return + erase line) and names the phase, the counts and the bar.
    expect(output).toContain('\r\x1b[2K');
    expect(output).toMatch(/Uploading 0\/2 ▕ *▏ +0% · 0 B\/[\d.]+ kB · 0 done/);
    // On a terminal the good news is the bar's job: no per-file "done" lines, then a coloured summary.
    expect(output).not.toMatch(/^done /m);
    expect(output).toContain('\x1b[32m2 done\x1b[39m');
    expect(await tree(join(work, 'tty'))).toHaveLength(6);
  });

  it('usage errors exit 2; an unreachable server exits 3 with one clear line', async () => {
    const none = await runClient(['upload'], { cwd: work, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name files, folders or URLs to upload');

    const missing = await runClient(['upload', 'no-such-folder'], { cwd: work, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or folder: no-such-folder');

    // A folder of hidden files: they are skipped as hidden, not as "not an image".
    await mkdir(join(work, 'only-hidden'), { recursive: true });
    await writeFile(join(work, 'only-hidden', '.secret.jpg'), 'x');
    const hidden = await runClient(['upload', 'only-hidden'], { cwd: work, env });
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toBe('thumbsmith: nothing to upload (1 skipped: hidden)\n');

    const badOption = await runClient(['status', 'x', '--frobnicate'], { cwd: work, env });
    expect(badOption.code).toBe(2);

    // A port nobody listens on: one the system just handed out and took back.
    const closed = new URL(`http://127.0.0.1:${await freePort()}`);
    const down = await runClient(['upload', 'photos/a.jpg', '--server', closed.origin, '--json'], { cwd: work });
    expect(down.code).toBe(3);
    // The error ends with what to do about it.
    const nextStep = 'Check that the server is running and that --server (or THUMBSMITH_URL) is its address.';
    expect(down.stderr).toBe(`thumbsmith: cannot reach ${closed.origin} (ECONNREFUSED). ${nextStep}\n`);
    const report = JSON.parse(down.stdout) as UploadDocument;
    expect(report.error).toEqual({
      code: null,
      message: 'ECONNREFUSED',
      plain: `cannot reach ${closed.origin} (ECONNREFUSED).`,
      nextStep,
    });
    // The input is still accounted for: not uploaded, because the server could not be reached.
    expect(report.summary).toMatchObject({ inputs: 1, unreachable: 1 });
    expect(report.images).toMatchObject([{ file: 'photos/a.jpg', status: 'unreachable', id: null }]);

    const status = await runClient(['status', 'img_x', '--server', closed.origin, '--json'], { cwd: work });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain(nextStep);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: false, error: { nextStep } });
  });
});
