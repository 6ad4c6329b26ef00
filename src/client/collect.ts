import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { lastPathSegment } from '../domain/url-name.js';

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

interface InputBase {
  /** The path as the person typed it or as found under a typed directory; a URL as typed (password masked). */
  readonly display: string;
  /**
   * Path relative to the directory argument it was found in (`/`-separated); the file name for a file argument;
   * for a URL its last path segment, decoded and made a safe file name (else its host).
   */
  readonly rel: string;
}

/** A file on disk, sent by the client. */
export interface LocalInput extends InputBase {
  /** Absolute path. */
  readonly path: string;
  readonly size: number;
  readonly url?: undefined;
}

/** An http(s) URL the server fetches (upload by URL); its size is not known here. */
export interface UrlInput extends InputBase {
  readonly url: string;
  readonly size: null;
  readonly path?: undefined;
}

export type InputFile = LocalInput | UrlInput;

/** Arguments read as URLs rather than paths. */
const URL_ARGUMENT = /^https?:\/\//i;

/** A file a directory walk left out, and why. */
export interface SkippedFile {
  readonly display: string;
  readonly reason: 'hidden' | 'not an image';
}

export interface Collected {
  /** Files and URLs, in the order given. */
  files: InputFile[];
  /** Files left out of directory walks: hidden, or without an image extension (hidden folders are not entered). */
  skipped: SkippedFile[];
  /** Arguments that do not exist. */
  missing: string[];
}

const MAX_FILES = 100_000;

/**
 * Expands file and directory arguments into the files to upload: a file argument is taken as it is (whatever its
 * name), a directory is walked recursively in name order, taking image extensions and skipping hidden entries and
 * symbolic links (no loops). An http(s) URL is taken for the server to fetch. A file or URL given twice is taken once.
 */
export async function collectInputs(args: readonly string[], cwd = process.cwd()): Promise<Collected> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  const skipped: SkippedFile[] = [];

  const take = (input: InputFile) => {
    const key = input.url ?? input.path;
    if (seen.has(key) || files.length >= MAX_FILES) return;
    seen.add(key);
    files.push(input);
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
      const shown = join(shownRoot, relative(root, path));
      if (entry.name.startsWith('.')) {
        if (entry.isFile()) skipped.push({ display: shown, reason: 'hidden' });
        continue;
      }
      if (entry.isDirectory()) await walk(root, path, shownRoot);
      else if (entry.isFile()) {
        if (!IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
          skipped.push({ display: shown, reason: 'not an image' });
          continue;
        }
        const info = await stat(path).catch(() => undefined);
        if (!info) continue;
        const rel = relative(root, path).split(sep).join('/');
        take({ path, display: shown, rel, size: info.size });
      }
    }
  };

  for (const arg of args) {
    if (URL_ARGUMENT.test(arg)) {
      take({ url: arg, display: maskPassword(arg), rel: urlName(arg), size: null });
      continue;
    }
    const path = resolve(cwd, arg);
    const info = await stat(path).catch(() => undefined);
    if (!info) missing.push(arg);
    else if (info.isDirectory()) await walk(path, path, arg);
    else if (info.isFile()) take({ path, display: arg, rel: basename(path), size: info.size });
    else missing.push(arg);
  }
  return { files, skipped, missing };
}

/** Output may end up in logs: a password typed into a URL is not repeated (the server refuses such URLs anyway). */
function maskPassword(arg: string): string {
  if (!URL.canParse(arg)) return arg;
  const url = new URL(arg);
  if (url.password === '') return arg;
  url.password = '***';
  return url.href;
}

/** `https://host/photos/summer%20day.jpg?x=1` -> `summer day.jpg`; the host when there is no file name. */
function urlName(arg: string): string {
  if (!URL.canParse(arg)) return 'link'; // the server refuses it; no folder is made
  const segment = lastPathSegment(arg);
  const { hostname } = new URL(arg);
  // A folder name: no separators or characters Windows refuses, no leading dot (hidden) and not too long.
  const safe = (name: string) =>
    name
      .replace(/[\p{Cc}/\\:*?"<>|]/gu, '_')
      .replace(/^[.\s]+|[.\s]+$/g, '')
      .slice(0, 100);
  // A host's dots would read as an extension (`example.com` -> `example/`).
  return safe(segment) || safe(hostname).replaceAll('.', '-') || 'link';
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

const stem = (rel: string) => {
  const ext = extname(rel);
  return ext && ext !== rel ? rel.slice(0, -ext.length) : rel;
};

/**
 * The output folder of each input, relative to `--out`: its relative path without the extension
 * (`2024/beach.jpg` -> `2024/beach/`), or with it when two inputs in one folder share a name (`a.jpg/`, `a.png/`).
 * A URL's name is only a label, so one already taken by a file or an earlier URL gets a number (`a-2.jpg` -> `a-2/`).
 * Throws OutputCollision when two files still map to one folder (same relative path under two arguments).
 */
export function planOutputFolders(files: readonly InputFile[]): Map<InputFile, string> {
  const taken = new Set(files.filter((file) => file.url === undefined).map((file) => file.rel));
  const rels = new Map<InputFile, string>();
  for (const file of files) {
    let rel = file.rel;
    if (file.url !== undefined) {
      for (let n = 2; taken.has(rel); n++) rel = `${stem(file.rel)}-${n}${extname(file.rel)}`;
      taken.add(rel);
    }
    rels.set(file, rel);
  }
  const byStem = new Map<string, InputFile[]>();
  for (const file of files) {
    const key = stem(rels.get(file)!);
    byStem.set(key, [...(byStem.get(key) ?? []), file]);
  }
  const folders = new Map<InputFile, string>();
  const owners = new Map<string, InputFile>();
  for (const [key, group] of byStem) {
    for (const file of group) {
      const folder = group.length > 1 ? rels.get(file)! : key;
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
