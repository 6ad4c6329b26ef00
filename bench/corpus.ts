/**
 * Assembles the benchmark corpus in bench/corpus/: real photographs and graphics from Debian wallpaper packages
 * (or from a directory you pass), plus manifest.json describing every file.
 *
 *   npx tsx bench/corpus.ts                 # Debian packages (apt-get download + dpkg -x), needs root for apt-get update
 *   npx tsx bench/corpus.ts --dir ~/Photos  # any directory of JPEG/PNG/WebP files instead
 *   npx tsx bench/corpus.ts --force         # rebuild even when a complete corpus is present
 *
 * Idempotent: when bench/corpus/manifest.json lists files that are all present with their recorded sizes, it does
 * nothing.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import {
  type CorpusFormat,
  type CorpusImage,
  type CorpusManifest,
  type CorpusSource,
  corpusKind,
  loadCorpus,
  MANIFEST_FILE,
  MANIFEST_VERSION,
} from './lib/corpus-manifest.js';

/**
 * Chosen after `apt-cache search wallpaper|backgrounds` and a look inside each candidate (Debian 12):
 * - plasma-workspace-wallpapers: photos and renders, JPEG 4-15 MP, PNG 2-15 MP with and without alpha, ICC profiles;
 * - mate-backgrounds: nature photos (JPEG 2-18 MP, EXIF), abstract PNGs with real transparency, a grey+alpha PNG;
 * - gnome-backgrounds: the only one that ships WebP (4096x4096, 16.8 MP).
 * ukui-wallpapers, lomiri-wallpapers-20.04, sway-backgrounds and desktop-base add nothing these three lack.
 */
const PACKAGES = ['plasma-workspace-wallpapers', 'mate-backgrounds', 'gnome-backgrounds'] as const;

/** How many images of each kind; the issue asks for >= 20 JPEGs, >= 5 PNGs with alpha and >= 5 without, and WebP. */
const TARGETS: Readonly<Record<string, number>> = { jpeg: 26, 'png-alpha': 8, 'png-opaque': 8, webp: 6 };
const MIN_MEGAPIXELS = 2;
const MAX_MEGAPIXELS = 18;
const MAX_TOTAL_BYTES = 400 * 1024 * 1024;
/** WebP images made from JPEGs when the sources hold none. */
const DERIVED_WEBP = 4;
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);
/** Path segments that only repeat the packaging layout; dropped when naming corpus files. */
const NOISE_SEGMENTS = new Set(['usr', 'share', 'wallpapers', 'backgrounds', 'contents', 'images']);
const APT_TIMEOUT_MS = 10 * 60_000;

interface Candidate extends Omit<CorpusImage, 'file'> {
  readonly path: string;
  readonly kind: string;
}

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
});
const outDir = resolve(args.out ?? fileURLToPath(new URL('./corpus/', import.meta.url)));

await main();

async function main(): Promise<void> {
  const present = args.force ? undefined : await loadCorpus(outDir);
  if (present) {
    console.log(
      `corpus present: ${present.images.length} images, ${mb(present.totals.bytes)} in ${outDir}; nothing to do`,
    );
    return;
  }
  const work = await mkdtemp(join(tmpdir(), 'thumbsmith-corpus-'));
  try {
    const { source, roots } = args.dir ? fromDirectory(resolve(args.dir)) : await fromDebian(work);
    const candidates = await probeAll(roots);
    const notes: string[] = [];
    const chosen = select(candidates, notes);
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const images = await copyInto(chosen);
    if (!images.some((image) => image.format === 'webp')) images.push(...(await deriveWebp(candidates, notes)));
    const manifest = manifestOf(source, images, notes);
    await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    report(manifest);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function fromDirectory(dir: string): { source: CorpusSource; roots: { root: string; origin: string }[] } {
  return { source: { kind: 'dir', dir }, roots: [{ root: dir, origin: 'dir' }] };
}

/** apt-get download + dpkg -x of the packages into `work`; runs apt-get update only when apt knows none of them. */
async function fromDebian(work: string): Promise<{ source: CorpusSource; roots: { root: string; origin: string }[] }> {
  if (!aptKnows(PACKAGES)) {
    console.log('apt-cache policy finds no candidate: running apt-get update');
    run('apt-get', ['update', '-qq'], work);
    if (!aptKnows(PACKAGES)) throw new Error(`apt has no candidate for one of ${PACKAGES.join(', ')} after update`);
  }
  const debs = join(work, 'debs');
  await mkdir(debs);
  console.log(`apt-get download ${PACKAGES.join(' ')}`);
  // The temp dir is private to root, so skip apt's download sandbox user rather than open the dir up.
  run('apt-get', ['download', '-qq', '-o', 'APT::Sandbox::User=root', ...PACKAGES], debs);
  const packages: { name: string; version: string }[] = [];
  const roots: { root: string; origin: string }[] = [];
  for (const file of (await readdir(debs)).filter((f) => f.endsWith('.deb')).sort()) {
    const deb = join(debs, file);
    const name = run('dpkg-deb', ['-f', deb, 'Package'], work).trim();
    const version = run('dpkg-deb', ['-f', deb, 'Version'], work).trim();
    const root = join(work, 'x', name);
    await mkdir(root, { recursive: true });
    run('dpkg', ['-x', deb, root], work);
    packages.push({ name, version });
    roots.push({ root, origin: name });
  }
  return { source: { kind: 'debian', packages }, roots };
}

function aptKnows(names: readonly string[]): boolean {
  const result = spawnSync('apt-cache', ['policy', ...names], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) return false;
  const candidates = [...result.stdout.matchAll(/Candidate: (\S+)/g)].map((m) => m[1]);
  return candidates.length === names.length && candidates.every((c) => c !== '(none)');
}

function run(command: string, argv: readonly string[], cwd: string): string {
  const result = spawnSync(command, argv, { cwd, encoding: 'utf8', timeout: APT_TIMEOUT_MS, maxBuffer: 64 << 20 });
  if (result.error) throw new Error(`${command} failed to run: ${result.error.message}`);
  if (result.status !== 0) {
    const hint = command.startsWith('apt') && process.getuid?.() !== 0 ? ' (apt-get needs root)' : '';
    throw new Error(`${command} ${argv.join(' ')} exited ${result.status}${hint}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) yield path;
  }
}

/** Header-only probe of every image file under the roots; files sharp cannot read are skipped. */
async function probeAll(roots: readonly { root: string; origin: string }[]): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const { root, origin } of roots) {
    for await (const path of walk(root)) {
      const candidate = await probe(path, root, origin).catch(() => undefined);
      if (candidate) candidates.push(candidate);
    }
  }
  return candidates;
}

async function probe(path: string, root: string, origin: string): Promise<Candidate | undefined> {
  const meta = await sharp(path).metadata();
  const format = meta.format === 'jpeg' || meta.format === 'png' || meta.format === 'webp' ? meta.format : undefined;
  if (!format || !meta.width || !meta.height) return undefined;
  const bytes = await readFile(path);
  const hasAlpha = meta.hasAlpha === true;
  // A full decode, so only for files with an alpha channel: many wallpapers carry one that is opaque everywhere.
  const transparent = hasAlpha && !(await sharp(path).stats()).isOpaque;
  return {
    path,
    kind: corpusKind({ format, hasAlpha }),
    format,
    width: meta.width,
    height: meta.height,
    megapixels: round2((meta.width * meta.height) / 1e6),
    hasAlpha,
    transparent,
    bytes: bytes.length,
    sourcePackage: origin,
    sourcePath: `/${relative(root, path).split(sep).join('/')}`,
    space: meta.space ?? 'unknown',
    icc: meta.icc !== undefined,
    orientation: meta.orientation ?? 1,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** Per kind: drop duplicates and out-of-range sizes, then take images spread evenly over the megapixel range. */
function select(candidates: readonly Candidate[], notes: string[]): Candidate[] {
  const seen = new Set<string>();
  const eligible = candidates.filter((c) => {
    if (c.megapixels < MIN_MEGAPIXELS || c.megapixels > MAX_MEGAPIXELS || seen.has(c.sha256)) return false;
    seen.add(c.sha256);
    return true;
  });
  const chosen: Candidate[] = [];
  let total = 0;
  for (const [kind, target] of Object.entries(TARGETS)) {
    const pool = eligible
      .filter((c) => c.kind === kind)
      .sort((a, b) => a.megapixels - b.megapixels || a.sourcePath.localeCompare(b.sourcePath));
    let taken = 0;
    for (const candidate of spread(pool, target)) {
      if (total + candidate.bytes > MAX_TOTAL_BYTES) continue;
      chosen.push(candidate);
      total += candidate.bytes;
      taken += 1;
    }
    if (taken < target && kind !== 'webp') {
      notes.push(`only ${taken} ${kind} images between ${MIN_MEGAPIXELS} and ${MAX_MEGAPIXELS} MP (target ${target})`);
    }
  }
  return chosen;
}

/** `count` items taken at even steps through `sorted` (all of them when there are fewer). */
function spread<T>(sorted: readonly T[], count: number): T[] {
  if (sorted.length <= count) return [...sorted];
  if (count === 1) return [sorted[Math.floor(sorted.length / 2)]!];
  return Array.from({ length: count }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (count - 1))]!);
}

async function copyInto(chosen: readonly Candidate[]): Promise<CorpusImage[]> {
  const images: CorpusImage[] = [];
  const counters = new Map<string, number>();
  for (const candidate of chosen) {
    const n = (counters.get(candidate.kind) ?? 0) + 1;
    counters.set(candidate.kind, n);
    const file = fileName(candidate.kind, n, candidate.sourcePackage, candidate.sourcePath);
    await copyFile(candidate.path, join(outDir, file));
    const { path: _path, kind: _kind, ...image } = candidate;
    images.push({ file, ...image });
  }
  return images;
}

/** The issue wants WebP in the mix: when no source ships any, convert JPEGs (ones not already chosen first). */
async function deriveWebp(candidates: readonly Candidate[], notes: string[]): Promise<CorpusImage[]> {
  const jpegs = candidates
    .filter((c) => c.format === 'jpeg' && c.megapixels >= MIN_MEGAPIXELS && c.megapixels <= MAX_MEGAPIXELS)
    .sort((a, b) => a.megapixels - b.megapixels || a.sourcePath.localeCompare(b.sourcePath));
  const images: CorpusImage[] = [];
  for (const [i, jpeg] of spread(jpegs, DERIVED_WEBP).entries()) {
    const file = fileName('webp', i + 1, 'derived', jpeg.sourcePath.replace(/\.[^./]+$/, '.webp'));
    const data = await sharp(jpeg.path).webp({ quality: 90 }).toBuffer();
    await writeFile(join(outDir, file), data);
    const meta = await sharp(data).metadata();
    images.push({
      file,
      format: 'webp',
      width: meta.width ?? jpeg.width,
      height: meta.height ?? jpeg.height,
      megapixels: jpeg.megapixels,
      hasAlpha: meta.hasAlpha === true,
      transparent: false,
      bytes: data.length,
      sourcePackage: 'derived',
      sourcePath: `${jpeg.sourcePackage}:${jpeg.sourcePath}`,
      space: meta.space ?? 'srgb',
      icc: meta.icc !== undefined,
      orientation: 1,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
  }
  if (images.length > 0) {
    notes.push(
      `no source shipped WebP: ${images.length} JPEGs converted to WebP (sharp, quality 90), marked 'derived'`,
    );
  }
  return images;
}

/** `jpeg-07-mate-nature-Garden.jpg`: kind, index, then the meaningful part of the source path. */
function fileName(kind: string, index: number, origin: string, sourcePath: string): string {
  const segments = sourcePath.split('/').filter((s) => s !== '' && !NOISE_SEGMENTS.has(s));
  const prefix = origin.split('-')[0] ?? origin;
  const stem = (segments[0] === prefix ? segments : [prefix, ...segments])
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(-80);
  const ext = extname(stem) || `.${kind.split('-')[0]}`;
  return `${kind}-${String(index).padStart(2, '0')}-${basename(stem, ext)}${ext.toLowerCase()}`;
}

function manifestOf(source: CorpusSource, images: readonly CorpusImage[], notes: readonly string[]): CorpusManifest {
  const byKind: Record<string, number> = {};
  for (const image of images) byKind[corpusKind(image)] = (byKind[corpusKind(image)] ?? 0) + 1;
  return {
    version: MANIFEST_VERSION,
    createdAt: new Date().toISOString(),
    source,
    notes,
    totals: {
      images: images.length,
      bytes: images.reduce((sum, image) => sum + image.bytes, 0),
      megapixels: round2(images.reduce((sum, image) => sum + image.megapixels, 0)),
      byKind,
    },
    images,
  };
}

function report(manifest: CorpusManifest): void {
  const { totals } = manifest;
  console.log(`corpus: ${totals.images} images, ${mb(totals.bytes)}, ${totals.megapixels} MP in ${outDir}`);
  for (const [kind, count] of Object.entries(totals.byKind)) {
    const of = manifest.images.filter((image) => corpusKind(image) === kind);
    const mps = of.map((image) => image.megapixels);
    const transparent = of.filter((image) => image.transparent).length;
    const alpha = transparent > 0 ? `, ${transparent} with real transparency` : '';
    console.log(
      `  ${kind.padEnd(10)} ${String(count).padStart(3)}  ${Math.min(...mps)}-${Math.max(...mps)} MP${alpha}`,
    );
  }
  for (const note of manifest.notes) console.log(`  note: ${note}`);
  const formats = new Set<CorpusFormat>(manifest.images.map((image) => image.format));
  if (!formats.has('jpeg')) console.log('  warning: no JPEG in the corpus');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
