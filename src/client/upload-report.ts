import { dirname, relative } from 'node:path';
import type { ClientError } from './api-client.js';
import type { InputFile } from './collect.js';
import { type Io, type Paint, paintFor, write } from './output.js';
import { type Counts, formatBytes, formatDuration, TerminalProgress } from './progress.js';
import type { FileResult, RunEvents } from './upload-run.js';

/** The end of a run, as the reporter needs it for the last lines. */
export interface RunSummary {
  ok: boolean;
  server: string;
  /** The error that stopped the run early (a refused key, an unreachable server). */
  fatal: ClientError | undefined;
  waited: boolean;
  out: string | null;
  files: readonly InputFile[];
  /** Each input's result in input order (inputs never reached by a stopped run have none). */
  results: FileResult[];
  counts: Counts;
  skipped: number;
  seconds: number;
}

/**
 * How `thumbsmith upload` looks: a progress bar on a terminal's stderr (whatever the format), then per image a line
 * (text) or nothing (`--json`), and at the end the fatal error if any and a summary line or the JSON document.
 */
export interface UploadReporter extends RunEvents {
  start(counts: () => Counts): void;
  stop(): void;
  summary(summary: RunSummary): Promise<void>;
}

export function uploadReporter(io: Io, json: boolean, waited: boolean): UploadReporter {
  return json ? new JsonReporter(io) : new TextReporter(io, waited);
}

/** The bar both formats share; only a terminal gets one. */
class Progress {
  protected readonly io: Io;
  protected bar: TerminalProgress | undefined;

  constructor(io: Io) {
    this.io = io;
  }

  start(counts: () => Counts): void {
    if (!this.io.stderr.isTTY) return;
    this.bar = new TerminalProgress(this.io.stderr, counts);
    this.bar.start();
  }

  stop(): void {
    this.bar?.stop();
  }

  protected async writeFatal(summary: RunSummary): Promise<void> {
    const { fatal } = summary;
    if (!fatal) return;
    const unreachable = fatal.status === 0;
    const what = unreachable ? `cannot reach ${summary.server}` : fatal.plain;
    await write(this.io.stderr, `thumbsmith: ${what}${unreachable ? ` (${fatal.detail ?? 'no answer'})` : ''}\n`);
  }
}

class JsonReporter extends Progress implements UploadReporter {
  async finished(): Promise<void> {}

  async summary(summary: RunSummary): Promise<void> {
    await this.writeFatal(summary);
    const { counts } = summary;
    const document = {
      ok: summary.ok,
      server: summary.server,
      waited: summary.waited,
      out: summary.out,
      summary: {
        files: summary.files.length,
        urls: urlCount(summary.files),
        uploaded: counts.uploaded,
        done: counts.done,
        failed: counts.failed,
        rejected: counts.rejected,
        bytes: counts.bytesTotal,
        skipped: summary.skipped,
        seconds: Math.round(summary.seconds * 1000) / 1000,
      },
      images: summary.results,
    };
    await write(this.io.stdout, `${JSON.stringify(document, null, 2)}\n`);
  }
}

class TextReporter extends Progress implements UploadReporter {
  readonly #waited: boolean;
  /** On a pipe every event is a line on stdout; on a terminal the bar carries the good news. */
  readonly #plainLines: boolean;

  constructor(io: Io, waited: boolean) {
    super(io);
    this.#waited = waited;
    this.#plainLines = !io.stdout.isTTY;
  }

  async finished(file: InputFile, result: FileResult): Promise<void> {
    const paint = paintFor(this.#plainLines ? this.io.stdout : this.io.stderr, this.io.env);
    if (result.status === 'done' || result.status === 'queued' || result.status === 'processing') {
      await this.#say(this.#goodNews(file, result, paint), false);
    } else {
      const code = result.error?.code ? paint.dim(` (${result.error.code})`) : '';
      const id = result.id ? `  ${paint.dim(result.id)}` : '';
      const line = `${label(result.status, paint.bad)} ${file.display}${id}  ${result.error?.plain ?? ''}${code}`;
      await this.#say(line, true);
    }
  }

  #goodNews(file: InputFile, result: FileResult, paint: Paint): string {
    const sizes = result.image?.variants.map((v) => `${v.preset} ${v.width}x${v.height}`).join(', ') ?? '';
    const where = result.outputs[0] ? ` -> ${relativeFolder(this.io.cwd, dirname(result.outputs[0].path))}/` : '';
    const what = this.#waited ? `${sizes}${where}` : result.status;
    // Without --wait an image is only accepted (even one already done: the same bytes were uploaded before).
    const word = this.#waited ? 'done' : 'uploaded';
    return `${label(word, paint.ok)} ${file.display}  ${paint.dim(result.id ?? '')}  ${what}`;
  }

  async #say(line: string, problem: boolean): Promise<void> {
    if (this.#plainLines || !this.bar) await write(this.io.stdout, `${line}\n`);
    // Problems are printed above the bar.
    else if (problem) this.bar.log(line);
  }

  async summary(summary: RunSummary): Promise<void> {
    await this.writeFatal(summary);
    const { counts, files, seconds, skipped, out } = summary;
    const p = paintFor(this.io.stdout, this.io.env);
    const parts = [p.ok(this.#waited ? `${counts.done} done` : `${counts.uploaded} uploaded`)];
    if (counts.failed > 0) parts.push(p.bad(`${counts.failed} failed`));
    if (counts.rejected > 0) parts.push(p.bad(`${counts.rejected} rejected`));
    const urls = urlCount(files);
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
      skipped > 0 ? `${skipped} skipped (not images)` : '',
      out !== null && counts.done > 0 ? `thumbnails in ${relativeFolder(this.io.cwd, out)}` : '',
    ].filter(Boolean);
    await write(this.io.stdout, `${p.bold(`${inputs.join(' + ')}:`)} ${parts.join(', ')} · ${tail.join(' · ')}\n`);
  }
}

const label = (status: string, paint: (text: string) => string) => paint(status.padEnd(9));

const urlCount = (files: readonly InputFile[]) => files.filter((file) => file.url !== undefined).length;

function relativeFolder(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
