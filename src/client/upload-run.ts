import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, type ImageJson, type ThumbsmithClient } from './api-client.js';
import type { InputFile } from './collect.js';
import { type Counts, formatDuration } from './progress.js';
import { type SavedThumbnail, saveThumbnails, UnknownPreset } from './save.js';

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

/** What a run reports as it goes; the reporter decides how it looks (a bar, plain lines, or nothing until the end). */
export interface RunEvents {
  /** One input's outcome is known (with `counts` already updated). */
  finished(file: InputFile, result: FileResult): Promise<void>;
}

export interface RunSettings {
  client: ThumbsmithClient;
  /** Wait for the thumbnails (and save them when `out` is set). */
  wait: boolean;
  out: string | null;
  /** The output folder of each input under `out`, mirroring the input tree. */
  folders: ReadonlyMap<InputFile, string>;
  /** Presets to download or to insist on (all when null). */
  presets: string[] | null;
  concurrency: number;
  timeoutSeconds: number;
}

const UPLOAD_ATTEMPTS = 3;
const WAITS_AT_ONCE = 16;

/**
 * One `thumbsmith upload`: `concurrency` uploaders take the inputs in turn; with `wait`, each uploaded image is then
 * followed to its final status (at most `WAITS_AT_ONCE` at a time) and its thumbnails saved. The counts it keeps
 * drive the progress bar and the summary. A refused key or an unreachable server stops the whole run (`fatal`).
 */
export class UploadRun {
  readonly counts: Counts;
  /** Each input's outcome, in input order once the run is over. */
  readonly #results = new Map<InputFile, FileResult>();
  readonly #files: readonly InputFile[];
  readonly #settings: RunSettings;
  readonly #events: RunEvents;
  readonly #abort = new AbortController();
  readonly #waits: Array<Promise<void>> = [];
  readonly #waitLimiter = new Limiter(WAITS_AT_ONCE);
  #fatal: ClientError | undefined;

  constructor(files: readonly InputFile[], settings: RunSettings, events: RunEvents) {
    this.#files = files;
    this.#settings = settings;
    this.#events = events;
    this.counts = {
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
  }

  /** The error that stopped the run early, if one did. */
  get fatal(): ClientError | undefined {
    return this.#fatal;
  }

  get results(): FileResult[] {
    return this.#files.map((file) => this.#results.get(file)).filter((result): result is FileResult => Boolean(result));
  }

  async run(): Promise<void> {
    const queue = [...this.#files];
    const uploaders = Math.min(this.#settings.concurrency, this.#files.length);
    await Promise.all(Array.from({ length: uploaders }, () => this.#uploadFrom(queue)));
    await Promise.all(this.#waits);
  }

  async #uploadFrom(queue: InputFile[]): Promise<void> {
    for (let file = queue.shift(); file && !this.#abort.signal.aborted; file = queue.shift()) {
      const image = await this.#upload(file);
      if (!image) continue;
      if (this.#settings.wait) this.#follow(file, image);
      else await this.#finish(file, accepted(file, image));
    }
  }

  /** Uploads one input, retrying transient failures; `undefined` when it failed (reported) or the run stopped. */
  async #upload(file: InputFile): Promise<ImageJson | undefined> {
    for (let attempt = 1; ; attempt++) {
      let sent = 0;
      try {
        const image = await this.#send(file, (bytes) => {
          sent += bytes;
          this.counts.bytesSent += bytes;
        });
        this.counts.uploaded++;
        return image;
      } catch (error) {
        this.counts.bytesSent -= sent;
        if (this.#abort.signal.aborted || (await this.#stopsTheRun(error))) return undefined;
        if (error instanceof ClientError && error.transient && attempt < UPLOAD_ATTEMPTS) {
          await sleep(500 * 2 ** attempt);
          continue;
        }
        await this.#uploadFailed(file, error);
        return undefined;
      }
    }
  }

  #send(file: InputFile, onBytes: (bytes: number) => void): Promise<ImageJson> {
    const { client } = this.#settings;
    if (file.url !== undefined) return client.uploadUrl(file.url, this.#abort.signal);
    const name = file.rel.split('/').pop() ?? file.rel;
    return client.upload({ path: file.path, size: file.size, name }, onBytes, this.#abort.signal);
  }

  /** A refused key, or a server that is not there: say so once instead of once per file, and stop. */
  async #stopsTheRun(error: unknown): Promise<boolean> {
    if (!(error instanceof ClientError)) return false;
    const stops = error.fatal || (error.status === 0 && !(await this.#settings.client.reachable()));
    if (stops) {
      this.#fatal ??= error;
      this.#abort.abort();
    }
    return stops;
  }

  async #uploadFailed(file: InputFile, error: unknown): Promise<void> {
    const status: FileStatus =
      error instanceof ClientError && error.status >= 400 && error.status < 500 ? 'rejected' : 'error';
    this.counts.bytesSent += file.size ?? 0; // counted as handled for the bar
    await this.#finish(file, {
      file: file.display,
      bytes: file.size,
      status,
      id: null,
      error: errorOf(error),
      image: null,
      outputs: [],
    });
  }

  /** Follows an uploaded image to its end in the background, a bounded number at a time. */
  #follow(file: InputFile, image: ImageJson): void {
    this.counts.waiting++;
    const settled = this.#waitLimiter
      .run(async () => {
        if (!this.#abort.signal.aborted) await this.#finish(file, await this.#settle(file, image));
      })
      .finally(() => {
        this.counts.waiting--;
      });
    this.#waits.push(settled);
  }

  /** Waits for the image's final status and saves (or checks) its thumbnails. */
  async #settle(file: InputFile, image: ImageJson): Promise<FileResult> {
    const { client, timeoutSeconds, out, presets } = this.#settings;
    let final: ImageJson;
    try {
      final = await client.waitFinal(image.id, timeoutSeconds * 1000, true);
    } catch (error) {
      return { ...resultBase(file, image), status: 'error', error: errorOf(error) };
    }
    const base = resultBase(file, final);
    if (final.status === 'failed') return { ...base, status: 'failed', error: failureOf(final) };
    if (final.status !== 'done') return { ...base, status: 'error', error: unfinished(final, timeoutSeconds) };
    try {
      if (out !== null) {
        const outputs = await saveThumbnails(client, final, join(out, this.#settings.folders.get(file)!), presets);
        return { ...base, status: 'done', error: null, outputs };
      }
      if (presets) assertPresets(final, presets);
    } catch (error) {
      return { ...base, status: 'error', error: errorOf(error) };
    }
    return { ...base, status: 'done', error: null };
  }

  async #finish(file: InputFile, result: FileResult): Promise<void> {
    this.#results.set(file, result);
    if (result.status === 'done') this.counts.done++;
    else if (result.status === 'rejected') this.counts.rejected++;
    else if (result.status === 'failed' || result.status === 'error') this.counts.failed++;
    await this.#events.finished(file, result);
  }
}

/** Runs at most `max` tasks at once; the others wait in order. */
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

/** Without waiting, an upload's result is the server's answer (the JSON report keeps this key order). */
function accepted(file: InputFile, image: ImageJson): FileResult {
  return { file: file.display, bytes: file.size, status: image.status, id: image.id, error: null, image, outputs: [] };
}

function resultBase(file: InputFile, image: ImageJson) {
  return { file: file.display, bytes: file.size, id: image.id, image, outputs: [] as SavedThumbnail[] };
}

function errorOf(error: unknown): NonNullable<FileResult['error']> {
  if (error instanceof ClientError) {
    return { code: error.code ?? null, message: error.detail ?? error.message, plain: error.plain };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: null, message, plain: message };
}

function failureOf(image: ImageJson): NonNullable<FileResult['error']> {
  const plain = new ClientError(422, image.error?.code, image.error?.message).plain;
  return { code: image.error?.code ?? null, message: image.error?.message ?? 'failed', plain };
}

function unfinished(image: ImageJson, timeoutSeconds: number): NonNullable<FileResult['error']> {
  const message = `still ${image.status} after ${formatDuration(timeoutSeconds)}`;
  const plain = `Not finished after ${formatDuration(timeoutSeconds)}; see \`thumbsmith status ${image.id}\`.`;
  return { code: null, message, plain };
}

/** Without `--out` the presets asked for are not downloaded, but an unknown one is still an error. */
function assertPresets(image: ImageJson, presets: readonly string[]): void {
  const available = image.variants.map((variant) => variant.preset);
  const missing = presets.filter((preset) => !available.includes(preset));
  if (missing.length > 0) throw new UnknownPreset(missing, available);
}
