import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, type ImageJson, ThumbsmithClient } from './api-client.js';
import { collectInputs, type InputFile, OutputCollision, planOutputFolders } from './collect.js';
import { type Io, paintFor, write } from './output.js';
import { type Counts, formatBytes, formatDuration, TerminalProgress } from './progress.js';
import { type SavedThumbnail, saveThumbnails, UnknownPreset } from './save.js';

export interface UploadOptions {
  inputs: string[];
  server: string;
  key: string | undefined;
  /** Presets to download (all when null). */
  presets: string[] | null;
  wait: boolean;
  out: string | null;
  concurrency: number;
  json: boolean;
  timeoutSeconds: number;
}

export type FileStatus = 'done' | 'failed' | 'rejected' | 'error' | 'queued' | 'processing';

export interface FileResult {
  file: string;
  /** The file's size; `null` for a URL (the server fetches it: its size is not known here). */
  bytes: number | null;
  status: FileStatus;
  id: string | null;
  error: { code: string | null; message: string; plain: string } | null;
  image: ImageJson | null;
  outputs: SavedThumbnail[];
}

/** Exit codes of the client commands. */
export const EXIT = { ok: 0, failures: 1, usage: 2, unreachable: 3 } as const;

const UPLOAD_ATTEMPTS = 3;
const WAITS_AT_ONCE = 16;

class Limiter {
  #active = 0;
  readonly #queue: Array<() => void> = [];
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }
}

const errorOf = (error: unknown): NonNullable<FileResult['error']> => {
  if (error instanceof ClientError) {
    return { code: error.code ?? null, message: error.detail ?? error.message, plain: error.plain };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: null, message, plain: message };
};

/**
 * `thumbsmith upload`: uploads files, folders and http(s) URLs (the server fetches those; several at a time),
 * optionally waits for the thumbnails and saves them under `--out` mirroring the input tree, reports progress (a bar on a terminal, one line per event on a pipe,
 * one JSON document with `--json`) and exits 1 when any image was rejected or failed.
 */
export async function uploadCommand(options: UploadOptions, io: Io): Promise<number> {
  const paintOut = paintFor(io.stdout, io.env);
  const paintErr = paintFor(io.stderr, io.env);
  const collected = await collectInputs(options.inputs, io.cwd);
  if (collected.missing.length > 0) {
    await write(io.stderr, `thumbsmith: no such file or folder: ${collected.missing.join(', ')}\n`);
    return EXIT.usage;
  }
  if (collected.files.length === 0) {
    const why = collected.skipped > 0 ? ` (${collected.skipped} file(s) skipped: not an image extension)` : '';
    await write(io.stderr, `thumbsmith: nothing to upload${why}\n`);
    return EXIT.usage;
  }
  let folders: Map<InputFile, string>;
  try {
    folders = planOutputFolders(collected.files);
  } catch (error) {
    if (!(error instanceof OutputCollision)) throw error;
    await write(io.stderr, `thumbsmith: ${error.message}. Upload them in separate runs or with different --out.\n`);
    return EXIT.usage;
  }

  const client = new ThumbsmithClient({ server: options.server, key: options.key });
  const wait = options.wait || options.out !== null;
  const started = Date.now();
  const files = collected.files;
  const results = new Map<InputFile, FileResult>();
  const counts: Counts = {
    files: files.length,
    uploaded: 0,
    done: 0,
    failed: 0,
    rejected: 0,
    // Bytes sent from here: a URL counts 0 (its bytes go from its host to the server).
    bytesTotal: files.reduce((sum, file) => sum + (file.size ?? 0), 0),
    bytesSent: 0,
    waiting: 0,
  };
  const abort = new AbortController();
  let fatal: ClientError | undefined;

  const bar = io.stderr.isTTY ? new TerminalProgress(io.stderr, () => counts) : undefined;
  const plainLines = !options.json && !io.stdout.isTTY;
  const say = async (line: string, problem: boolean) => {
    if (plainLines) await write(io.stdout, `${line}\n`);
    // On a terminal the bar carries the good news; problems are printed above it.
    else if (bar && problem && !options.json) bar.log(line);
    else if (!bar && !options.json) await write(io.stdout, `${line}\n`);
  };
  const label = (status: string, paint: (text: string) => string) => paint(status.padEnd(9));

  const finish = async (file: InputFile, result: FileResult) => {
    results.set(file, result);
    if (result.status === 'done') counts.done++;
    else if (result.status === 'rejected') counts.rejected++;
    else if (result.status === 'failed' || result.status === 'error') counts.failed++;
    const p = plainLines ? paintOut : paintErr;
    if (result.status === 'done' || result.status === 'queued' || result.status === 'processing') {
      const sizes = result.image?.variants.map((v) => `${v.preset} ${v.width}x${v.height}`).join(', ') ?? '';
      const where = result.outputs[0] ? ` -> ${relativeFolder(io.cwd, dirname(result.outputs[0].path))}/` : '';
      const what = wait ? `${sizes}${where}` : result.status;
      // Without --wait an image is only accepted (even one already done: the same bytes were uploaded before).
      const word = wait ? 'done' : 'uploaded';
      await say(`${label(word, p.ok)} ${file.display}  ${p.dim(result.id ?? '')}  ${what}`, false);
    } else {
      const code = result.error?.code ? p.dim(` (${result.error.code})`) : '';
      const id = result.id ? `  ${p.dim(result.id)}` : '';
      await say(`${label(result.status, p.bad)} ${file.display}${id}  ${result.error?.plain ?? ''}${code}`, true);
    }
  };

  const settle = async (file: InputFile, image: ImageJson) => {
    const base = { file: file.display, bytes: file.size, id: image.id, image, outputs: [] as SavedThumbnail[] };
    let final = image;
    try {
      final = await client.waitFinal(image.id, options.timeoutSeconds * 1000, true);
    } catch (error) {
      await finish(file, { ...base, status: 'error', error: errorOf(error) });
      return;
    }
    if (final.status === 'failed') {
      const plain = new ClientError(422, final.error?.code, final.error?.message).plain;
      await finish(file, {
        ...base,
        image: final,
        status: 'failed',
        error: { code: final.error?.code ?? null, message: final.error?.message ?? 'failed', plain },
      });
      return;
    }
    if (final.status !== 'done') {
      const message = `still ${final.status} after ${formatDuration(options.timeoutSeconds)}`;
      const plain = `Not finished after ${formatDuration(options.timeoutSeconds)}; see \`thumbsmith status ${final.id}\`.`;
      await finish(file, { ...base, image: final, status: 'error', error: { code: null, message, plain } });
      return;
    }
    let outputs: SavedThumbnail[] = [];
    if (options.out !== null) {
      try {
        outputs = await saveThumbnails(client, final, join(options.out, folders.get(file)!), options.presets);
      } catch (error) {
        await finish(file, { ...base, image: final, status: 'error', error: errorOf(error) });
        return;
      }
    } else if (options.presets) {
      const available = final.variants.map((v) => v.preset);
      const missing = options.presets.filter((preset) => !available.includes(preset));
      if (missing.length > 0) {
        await finish(file, {
          ...base,
          image: final,
          status: 'error',
          error: errorOf(new UnknownPreset(missing, available)),
        });
        return;
      }
    }
    await finish(file, { ...base, image: final, status: 'done', error: null, outputs });
  };

  const uploadOne = async (file: InputFile): Promise<ImageJson | undefined> => {
    let sent = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const image =
          file.url !== undefined
            ? await client.uploadUrl(file.url, abort.signal)
            : await client.upload(
                { path: file.path, size: file.size, name: file.rel.split('/').pop() ?? file.rel },
                (bytes) => {
                  sent += bytes;
                  counts.bytesSent += bytes;
                },
                abort.signal,
              );
        counts.uploaded++;
        return image;
      } catch (error) {
        counts.bytesSent -= sent;
        sent = 0;
        if (abort.signal.aborted) return undefined;
        if (error instanceof ClientError && error.fatal) {
          fatal ??= error;
          abort.abort();
          return undefined;
        }
        if (error instanceof ClientError && error.status === 0 && !(await client.reachable())) {
          // The server is not there: say so once instead of once per file.
          fatal ??= error;
          abort.abort();
          return undefined;
        }
        if (error instanceof ClientError && error.transient && attempt < UPLOAD_ATTEMPTS) {
          await sleep(500 * 2 ** attempt);
          continue;
        }
        const status: FileStatus =
          error instanceof ClientError && error.status >= 400 && error.status < 500 ? 'rejected' : 'error';
        counts.bytesSent += file.size ?? 0; // counted as handled for the bar
        await finish(file, {
          file: file.display,
          bytes: file.size,
          status,
          id: null,
          error: errorOf(error),
          image: null,
          outputs: [],
        });
        return undefined;
      }
    }
  };

  bar?.start();
  const waits: Array<Promise<void>> = [];
  const waitLimiter = new Limiter(WAITS_AT_ONCE);
  const queue = [...files];
  const uploader = async () => {
    for (let file = queue.shift(); file && !abort.signal.aborted; file = queue.shift()) {
      const image = await uploadOne(file);
      if (!image) continue;
      if (!wait) {
        await finish(file, {
          file: file.display,
          bytes: file.size,
          status: image.status,
          id: image.id,
          error: null,
          image,
          outputs: [],
        });
        continue;
      }
      counts.waiting++;
      const current = file;
      waits.push(
        waitLimiter
          .run(() => (abort.signal.aborted ? Promise.resolve() : settle(current, image)))
          .finally(() => {
            counts.waiting--;
          }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, uploader));
  await Promise.all(waits);
  bar?.stop();

  const seconds = (Date.now() - started) / 1000;
  if (fatal) {
    const what = fatal.status === 0 ? `cannot reach ${client.server}` : fatal.plain;
    await write(io.stderr, `thumbsmith: ${what}${fatal.status === 0 ? ` (${fatal.detail ?? 'no answer'})` : ''}\n`);
  }

  const ordered = files.map((file) => results.get(file)).filter((result): result is FileResult => Boolean(result));
  const urls = files.filter((file) => file.url !== undefined).length;
  const problems = counts.failed + counts.rejected;
  const exitCode = fatal ? EXIT.unreachable : problems > 0 ? EXIT.failures : EXIT.ok;

  if (options.json) {
    const document = {
      ok: exitCode === EXIT.ok,
      server: client.server,
      waited: wait,
      out: options.out,
      summary: {
        files: files.length,
        urls,
        uploaded: counts.uploaded,
        done: counts.done,
        failed: counts.failed,
        rejected: counts.rejected,
        bytes: counts.bytesTotal,
        skipped: collected.skipped,
        seconds: Math.round(seconds * 1000) / 1000,
      },
      images: ordered,
    };
    await write(io.stdout, `${JSON.stringify(document, null, 2)}\n`);
    return exitCode;
  }

  const p = paintOut;
  const parts: string[] = [];
  if (wait) parts.push(p.ok(`${counts.done} done`));
  else parts.push(p.ok(`${counts.uploaded} uploaded`));
  if (counts.failed > 0) parts.push(p.bad(`${counts.failed} failed`));
  if (counts.rejected > 0) parts.push(p.bad(`${counts.rejected} rejected`));
  const locals = files.length - urls;
  const inputs = [
    locals > 0 || urls === 0 ? `${locals} ${locals === 1 ? 'file' : 'files'}` : '',
    urls > 0 ? `${urls} ${urls === 1 ? 'URL' : 'URLs'}` : '',
  ].filter(Boolean);
  // Only files' bytes pass through here; URLs alone have none to count.
  const sent =
    urls === 0 ? formatBytes(counts.bytesTotal) : locals > 0 ? `${formatBytes(counts.bytesTotal)} from files` : '';
  const tail = [
    sent ? `${sent} in ${formatDuration(seconds)}` : formatDuration(seconds),
    collected.skipped > 0 ? `${collected.skipped} skipped (not images)` : '',
    options.out !== null && counts.done > 0 ? `thumbnails in ${relativeFolder(io.cwd, options.out)}` : '',
  ].filter(Boolean);
  await write(io.stdout, `${p.bold(`${inputs.join(' + ')}:`)} ${parts.join(', ')} · ${tail.join(' · ')}\n`);
  return exitCode;
}

function relativeFolder(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
