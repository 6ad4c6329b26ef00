import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInputs, extensionOf, OutputCollision, planOutputFolders } from '../../src/client/collect.js';

describe('collecting inputs and planning output folders', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thumbsmith-collect-'));
    await mkdir(join(dir, 'photos/2024/.cache'), { recursive: true });
    await mkdir(join(dir, 'other'), { recursive: true });
    for (const path of [
      'photos/b.JPG',
      'photos/a.png',
      'photos/a.jpg',
      'photos/2024/beach.webp',
      'photos/2024/notes.txt',
      'photos/2024/.cache/c.jpg',
      'photos/.hidden.png',
      'other/a.jpg',
      'README',
    ]) {
      await writeFile(join(dir, path), path);
    }
    await symlink(join(dir, 'photos'), join(dir, 'photos/2024/loop'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('walks folders in name order, takes image extensions, skips hidden entries and links, dedupes', async () => {
    const { files, skipped, missing } = await collectInputs(['photos', 'photos/a.jpg', 'README', 'nope'], dir);
    expect(files.map((file) => [file.display, file.rel])).toEqual([
      ['photos/2024/beach.webp', '2024/beach.webp'],
      ['photos/a.jpg', 'a.jpg'],
      ['photos/a.png', 'a.png'],
      ['photos/b.JPG', 'b.JPG'],
      ['README', 'README'], // named on the command line: taken whatever its name
    ]);
    expect(files[0]!.size).toBe('photos/2024/beach.webp'.length);
    // The hidden folder is not entered; a hidden file is "hidden", not "not an image".
    expect(skipped).toEqual([
      { display: 'photos/.hidden.png', reason: 'hidden' },
      { display: 'photos/2024/notes.txt', reason: 'not an image' },
    ]);
    expect(missing).toEqual(['nope']);
  });

  it('mirrors relative paths without extensions, keeping them only where two names meet', async () => {
    const { files } = await collectInputs(['photos'], dir);
    const folders = planOutputFolders(files);
    expect(files.map((file) => folders.get(file))).toEqual(['2024/beach', 'a.jpg', 'a.png', 'b']);
  });

  it('refuses two inputs that would share one output folder', async () => {
    const { files } = await collectInputs(['photos/a.jpg', 'other/a.jpg'], dir);
    expect(() => planOutputFolders(files)).toThrow(OutputCollision);
    expect(() => planOutputFolders(files)).toThrow('photos/a.jpg, other/a.jpg');
  });

  it('takes http(s) URLs as they are: named by their file (a safe name), numbered where a name is taken', async () => {
    const args = [
      'https://a.example/x/a.jpg',
      'photos/a.jpg',
      'HTTPS://b.example/a.jpg?size=big',
      'https://user:secret@c.example/',
      'https://d.example/%2E%2E%2Fevil%3A.png',
      'https://a.example/x/a.jpg', // twice: taken once
    ];
    const { files, missing } = await collectInputs(args, dir);
    expect(missing).toEqual([]);
    expect(files.map((file) => [file.display, file.rel, file.url ?? null, file.size])).toEqual([
      ['https://a.example/x/a.jpg', 'a.jpg', 'https://a.example/x/a.jpg', null],
      ['photos/a.jpg', 'a.jpg', null, 'photos/a.jpg'.length],
      ['HTTPS://b.example/a.jpg?size=big', 'a.jpg', 'HTTPS://b.example/a.jpg?size=big', null],
      // The password is not repeated in messages; the host names a URL without a file name.
      ['https://user:***@c.example/', 'c-example', 'https://user:secret@c.example/', null],
      ['https://d.example/%2E%2E%2Fevil%3A.png', '_evil_.png', 'https://d.example/%2E%2E%2Fevil%3A.png', null],
    ]);
    const folders = planOutputFolders(files);
    expect(files.map((file) => folders.get(file))).toEqual(['a-2', 'a', 'a-3', 'c-example', '_evil_']);
  });

  it('names thumbnail files by format', () => {
    expect(['jpeg', 'png', 'webp', 'avif', 'gif', '../x'].map(extensionOf)).toEqual([
      'jpg',
      'png',
      'webp',
      'avif',
      'gif',
      'x',
    ]);
  });
});
