import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ClientError, type ErrorReport, errorReport, type Image, type ThumbsmithClient } from './api-client.js';
import type { InputFile } from './collect.js';
import { type Counts, formatDuration, noOutcomes, type Outcome } from './progress.js';
import { type Outage, waitFinal } from './retry.js';
import { type SavedThumbnail, saveThumbnails, UnknownPreset } from './save.js';

export interface FileResult {
  file: string;
  /** The file's size; `null` for a URL (the server fetches it: its size is not known here). */
  bytes: number | null;
  status: Outcome;
  /** The image's id once the server accepted the upload (also for `unfinished` and `interrupted` ones). */
  id: string | null;
  error: ErrorReport | null;
  image: Image | null;
  outputs: SavedThumbnail[];
}

/** What a run reports as it goes; the reporter decides how it looks (a bar, plain lines, or nothing until the end). */
export interface RunEvents {
  /** One input's outcome is known (with `counts` already updated). */
  finished(file: InputFile, result: FileResult): Promise<void>;
}

export interface RunSettings {
  client: ThumbsmithClient;
  /** Retries calls while the server is away; its signal is the run's interruption (Ctrl-C). */
  outage: Outage;
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

const WAITS_AT_ONCE = 16;

/**
 * One `thumbsmith upload`: `concurrency` uploaders take the inputs in turn; with `wait`, each uploaded image is then
 * followed to its final status (at most `WAITS_AT_ONCE` at a time) and its thumbnails saved. Every input ends with
 * exactly one outcome, also when the run stops early: a refused key or a server gone for longer than the outage
 * window (`fatal`), or an interruption. The counts drive the progress line and the summary.
 */
export class UploadRun {
  readonly #counts: Omit<Counts, 'retrying'>;
  /** Each input's outcome. */
  readonly #results = new Map<InputFile, FileResult>();
  /** Accepted uploads, for inputs interrupted or stopped before their end. */
  readonly #accepted = new Map<InputFile, Image>();
  readonly #files: readonly InputFile[];
  readonly #settings: RunSettings;
  readonly #events: RunEvents;
  /** Stops taking new inputs: fatal error or interruption. */
  readonly #stop = new AbortController();
  readonly #waits: Array<Promise<void>> = [];
  readonly #waitLimiter = new Limiter(WAITS_AT_ONCE);
  /** Per input, so a retried upload whose answer was lost answers the same image (`Idempotency-Key`). */
  readonly #runKey = randomBytes(9).toString('base64url');
  #fatal: ClientError | undefined;

  constructor(files: readonly InputFile[], settings: RunSettings, events: RunEvents) {
    this.#files = files;
    this.#settings = settings;
    this.#events = events;
    this.#counts = {
      files: files.length,
      sent: 0,
      uploaded: 0,
      outcomes: noOutcomes(),
      // Bytes sent from here: a URL counts 0 (its bytes go from its host to the server).
      bytesTotal: files.reduce((sum, file) => sum + (file.size ?? 0), 0),
      bytesSent: 0,
      waiting: 0,
    };
  }

  get counts(): Counts {
    return { ...this.#counts, retrying: this.#settings.outage.note };
  }

  /** The error that stopped the run early, if one did. */
  get fatal(): ClientError | undefined {
    return this.#fatal;
  }

  get interrupted(): boolean {
    return this.#settings.outage.signal.aborted;
  }

  /** Each input's result in input order. */
  get results(): FileResult[] {
    return this.#files.map((file) => this.#results.get(file)!);
  }

  /** Ids of the images the server accepted, in input order. */
  get createdIds(): string[] {
    return this.#files.flatMap((file) => {
      const image = this.#accepted.get(file);
      return image ? [image.id] : [];
    });
  }

  async run(): Promise<void> {
    const interrupt = this.#settings.outage.signal;
    const stop = () => this.#stop.abort();
    interrupt.addEventListener('abort', stop, { once: true });
    try {
      const queue = [...this.#files];
      const uploaders = Math.min(this.#settings.concurrency, this.#files.length);
      await Promise.all(Array.from({ length: uploaders }, () => this.#uploadFrom(queue)));
      await Promise.all(this.#waits);
    } finally {
      interrupt.removeEventListener('abort', stop);
    }
    // What a stopped run never got to, or was still doing when interrupted.
    for (const file of this.#files) if (!this.#results.has(file)) await this.#finish(file, this.#leftOver(file));
  }

  /** Ends a run that cannot start (the server is not there or not Thumbsmith): every input gets that outcome. */
  async stopBefore(fatal: ClientError): Promise<void> {
    this.#fatal = fatal;
    for (const file of this.#files) await this.#finish(file, this.#leftOver(file));
  }

  async #uploadFrom(queue: InputFile[]): Promise<void> {
    for (let file = queue.shift(); file && !this.#stop.signal.aborted; file = queue.shift()) {
      const image = await this.#upload(file);
      this.#counts.sent++;
      if (!image) continue;
      if (this.#settings.wait) this.#follow(file, image);
      else await this.#finish(file, { ...resultBase(file, image), status: 'uploaded', error: null });
    }
  }

  /** Uploads one input, retrying while the server is away; `undefined` when it ended otherwise (reported or left). */
  async #upload(file: InputFile): Promise<Image | undefined> {
    const keyBase = `cli-${this.#runKey}-${this.#files.indexOf(file)}`;
    let idempotencyKey = keyBase;
    let sent = 0;
    try {
      const image = await this.#settings.outage.retry(async () => {
        this.#counts.bytesSent -= sent; // a retry sends the file again
        sent = 0;
        try {
          return await this.#send(file, idempotencyKey, (bytes) => {
            sent += bytes;
            this.#counts.bytesSent += bytes;
          });
        } catch (error) {
          // The server answers "in progress" only after waiting for the key's first request: one that is still in
          // progress then belonged to a server process that died. A fresh key lets the retry through (at worst a
          // second image of the same bytes, which the server stores once).
          if (error instanceof ClientError && error.code === 'TS_IDEMPOTENCY_IN_PROGRESS') {
            idempotencyKey = `${keyBase}-${Date.now()}`;
          }
          throw error;
        }
      });
      this.#counts.uploaded++;
      this.#accepted.set(file, image);
      return image;
    } catch (error) {
      this.#counts.bytesSent += (file.size ?? 0) - sent; // handled, for the bar
      if (this.#settings.outage.signal.aborted) return undefined; // interrupted: reported at the end
      if (error instanceof ClientError && (error.fatal || error.transient)) {
        // A refused key, or a server away for longer than the window: say so once instead of once per input.
        this.#fatal ??= error;
        this.#stop.abort();
        return undefined;
      }
      const status: Outcome =
        error instanceof ClientError && error.status >= 400 && error.status < 500 ? 'rejected' : 'error';
      await this.#finish(file, { ...resultBase(file, null), status, error: errorReport(error) });
      return undefined;
    }
  }

  #send(file: InputFile, idempotencyKey: string, onBytes: (bytes: number) => void): Promise<Image> {
    const { client, outage } = this.#settings;
    const options = { signal: outage.signal, idempotencyKey };
    if (file.url !== undefined) return client.uploadUrl(file.url, options);
    const name = file.rel.split('/').pop() ?? file.rel;
    return client.upload({ path: file.path, name }, { ...options, onBytes });
  }

  /** Follows an uploaded image to its end in the background, a bounded number at a time. */
  #follow(file: InputFile, image: Image): void {
    this.#counts.waiting++;
    const settled = this.#waitLimiter
      .run(async () => {
        if (this.#settings.outage.signal.aborted) return;
        const result = await this.#settle(file, image);
        if (!this.#settings.outage.signal.aborted) await this.#finish(file, result);
      })
      .finally(() => {
        this.#counts.waiting--;
      });
    this.#waits.push(settled);
  }

  /** Waits for the image's final status and saves (or checks) its thumbnails. */
  async #settle(file: InputFile, image: Image): Promise<FileResult> {
    const { client, outage, timeoutSeconds, out, presets } = this.#settings;
    let final: Image;
    try {
      final = await waitFinal(client, image.id, timeoutSeconds * 1000, outage);
    } catch (error) {
      // Uploaded, then the server could not be read until the deadline: its state is unknown, not "unreachable".
      return { ...resultBase(file, image), status: 'unfinished', error: unread(image, error) };
    }
    const base = resultBase(file, final);
    if (final.status === 'failed') return { ...base, status: 'failed', error: failureOf(final) };
    if (final.status !== 'done') return { ...base, status: 'unfinished', error: unfinished(final, timeoutSeconds) };
    try {
      if (out !== null) {
        const folder = join(out, this.#settings.folders.get(file)!);
        const outputs = await outage.retry(() => saveThumbnails(client, final, folder, presets));
        return { ...base, status: 'done', error: null, outputs };
      }
      if (presets) assertPresets(final, presets);
    } catch (error) {
      return { ...base, status: 'error', error: errorReport(error) };
    }
    return { ...base, status: 'done', error: null };
  }

  /** An input without an outcome when the run ended: interrupted, or not reached after a fatal error. */
  #leftOver(file: InputFile): FileResult {
    const image = this.#accepted.get(file) ?? null;
    if (this.interrupted) {
      const error = { code: null, message: 'interrupted', plain: 'Interrupted (Ctrl-C).', nextStep: null };
      return { ...resultBase(file, image), status: 'interrupted', error };
    }
    const fatal = this.#fatal!;
    // A refused key refuses every upload; anything else kept them from reaching a Thumbsmith server.
    const refused = fatal.status === 401 || fatal.status === 403;
    const status: Outcome = image ? 'unfinished' : refused ? 'rejected' : 'unreachable';
    return { ...resultBase(file, image), status, error: errorReport(fatal) };
  }

  async #finish(file: InputFile, result: FileResult): Promise<void> {
    this.#results.set(file, result);
    this.#counts.outcomes[result.status]++;
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

function resultBase(file: InputFile, image: Image | null) {
  return { file: file.display, bytes: file.size, id: image?.id ?? null, image, outputs: [] as SavedThumbnail[] };
}

function failureOf(image: Image): ErrorReport {
  const { plain, nextStep } = new ClientError(422, image.error?.code, image.error?.message);
  return { code: image.error?.code ?? null, message: image.error?.message ?? 'failed', plain, nextStep };
}

const checkLater = (id: string) => `Check it later with \`thumbsmith status ${id}\`.`;

function unfinished(image: Image, timeoutSeconds: number): ErrorReport {
  const message = `still ${image.status} after ${formatDuration(timeoutSeconds)}`;
  return {
    code: null,
    message,
    plain: `Not finished after ${formatDuration(timeoutSeconds)}.`,
    nextStep: checkLater(image.id),
  };
}

function unread(image: Image, error: unknown): ErrorReport {
  const cause = errorReport(error);
  const plain = `Uploaded, but its state could not be read: ${cause.plain}`;
  return { code: cause.code, message: cause.message, plain, nextStep: checkLater(image.id) };
}

/** Without `--out` the presets asked for are not downloaded, but an unknown one is still an error. */
function assertPresets(image: Image, presets: readonly string[]): void {
  const available = image.variants.map((variant) => variant.preset);
  const missing = presets.filter((preset) => !available.includes(preset));
  if (missing.length > 0) throw new UnknownPreset(missing, available);
}
