import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';

/** Extensions picked up when walking a directory (the server sniffs the real type; this only chooses files). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
  '.bmp',
  '.svg',
]);

export interface InputFile {
  /** Absolute path. */
  readonly path: string;
  /** The path as the person typed it or as found under a typed directory (for messages). */
  readonly display: string;
  /** Path relative to the directory argument it was found in (`/`-separated); the file name for a file argument. */
  readonly rel: string;
  readonly size: number;
}

export interface Collected {
  files: InputFile[];
  /** Files skipped in directory walks (not an image extension, hidden). */
  skipped: number;
  /** Arguments that do not exist. */
  missing: string[];
}

const MAX_FILES = 100_000;

/**
 * Expands file and directory arguments into the files to upload: a file argument is taken as it is (whatever its
 * name), a directory is walked recursively in name order, taking image extensions and skipping hidden entries and
 * symbolic links (no loops). A file reached twice is taken once.
 */
export async function collectInputs(args: readonly string[], cwd = process.cwd()): Promise<Collected> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  let skipped = 0;

  const take = (path: string, display: string, rel: string, size: number) => {
    if (seen.has(path) || files.length >= MAX_FILES) return;
    seen.add(path);
    files.push({ path, display, rel, size });
  };

  const walk = async (root: string, dir: string, shownRoot: string) => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folder: nothing to take from it
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.')) {
        if (entry.isFile()) skipped++;
        continue;
      }
      if (entry.isDirectory()) await walk(root, path, shownRoot);
      else if (entry.isFile()) {
        if (!IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
          skipped++;
          continue;
        }
        const info = await stat(path).catch(() => undefined);
        if (!info) continue;
        const rel = relative(root, path).split(sep).join('/');
        take(path, join(shownRoot, relative(root, path)), rel, info.size);
      }
    }
  };

  for (const arg of args) {
    const path = resolve(cwd, arg);
    const info = await stat(path).catch(() => undefined);
    if (!info) missing.push(arg);
    else if (info.isDirectory()) await walk(path, path, arg);
    else if (info.isFile()) take(path, arg, basename(path), info.size);
    else missing.push(arg);
  }
  return { files, skipped, missing };
}

/** Two inputs would write into the same output folder. */
export class OutputCollision extends Error {
  readonly paths: readonly string[];

  constructor(paths: readonly string[]) {
    super(`These files would write their thumbnails to the same folder: ${paths.join(', ')}`);
    this.name = 'OutputCollision';
    this.paths = paths;
  }
}

/**
 * The output folder of each input, relative to `--out`: its relative path without the extension
 * (`2024/beach.jpg` -> `2024/beach/`), or with it when two inputs in one folder share a name (`a.jpg/`, `a.png/`).
 * Throws OutputCollision when two inputs still map to one folder (same relative path under two arguments).
 */
export function planOutputFolders(files: readonly InputFile[]): Map<InputFile, string> {
  const stem = (rel: string) => {
    const ext = extname(rel);
    return ext && ext !== rel ? rel.slice(0, -ext.length) : rel;
  };
  const byStem = new Map<string, InputFile[]>();
  for (const file of files) {
    const key = stem(file.rel);
    byStem.set(key, [...(byStem.get(key) ?? []), file]);
  }
  const folders = new Map<InputFile, string>();
  const owners = new Map<string, InputFile>();
  for (const [key, group] of byStem) {
    for (const file of group) {
      const folder = group.length > 1 ? file.rel : key;
      const owner = owners.get(folder);
      if (owner) throw new OutputCollision([owner.display, file.display]);
      owners.set(folder, file);
      folders.set(file, folder);
    }
  }
  return folders;
}

const FORMAT_EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif', gif: 'gif' };

/** File extension of a thumbnail format (`jpeg` -> `jpg`). */
export const extensionOf = (format: string): string => FORMAT_EXTENSIONS[format] ?? format.replace(/[^a-z0-9]/gi, '');
