import { dirname, relative } from 'node:path';
import { type ClientError, errorReport } from './api-client.js';
import type { InputFile, SkippedFile } from './collect.js';
import { type Io, type Paint, paintFor, write } from './output.js';
import { type Counts, formatBytes, formatDuration, OUTCOMES, TerminalProgress } from './progress.js';
import type { FileResult, RunEvents } from './upload-run.js';

/** The end of a run, as the reporter needs it for the last lines. */
export interface RunSummary {
  ok: boolean;
  server: string;
  /** The error that stopped the run early (a refused key, an unreachable server). */
  fatal: ClientError | undefined;
  /** Stopped by Ctrl-C. */
  interrupted: boolean;
  /** Ids of the images the server accepted, in input order. */
  created: string[];
  waited: boolean;
  out: string | null;
  files: readonly InputFile[];
  /** Each input's result, in input order. */
  results: FileResult[];
  counts: Counts;
  skipped: readonly SkippedFile[];
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
    if (summary.fatal) await write(this.io.stderr, `thumbsmith: ${fatalLine(summary.fatal, summary.server)}\n`);
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
      // What stopped the run (or null), with the next step.
      error: summary.fatal ? { ...errorReport(summary.fatal), plain: fatalWhat(summary.fatal, summary.server) } : null,
      interrupted: summary.interrupted,
      created: summary.created,
      summary: {
        // inputs = files + skipped = the sum of the outcomes and skipped.
        inputs: summary.files.length + summary.skipped.length,
        files: summary.files.length,
        urls: urlCount(summary.files),
        // The server accepted these; each input's outcome is counted below.
        accepted: counts.uploaded,
        ...counts.outcomes,
        skipped: summary.skipped.length,
        bytes: counts.bytesTotal,
        seconds: Math.round(summary.seconds * 1000) / 1000,
      },
      images: summary.results,
      skipped: summary.skipped.map((skipped) => ({ file: skipped.display, reason: skipped.reason })),
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
    if (result.status === 'done' || result.status === 'uploaded') {
      await this.#say(this.#goodNews(file, result, paint), false);
    } else {
      const code = result.error?.code ? paint.dim(` (${result.error.code})`) : '';
      const id = result.id ? `  ${paint.dim(result.id)}` : '';
      const next = result.error?.nextStep ? ` ${result.error.nextStep}` : '';
      const line = `${label(result.status, paint.bad)} ${file.display}${id}  ${result.error?.plain ?? ''}${code}${next}`;
      await this.#say(line, true);
    }
  }

  #goodNews(file: InputFile, result: FileResult, paint: Paint): string {
    const sizes = result.image?.variants.map((v) => `${v.preset} ${v.width}x${v.height}`).join(', ') ?? '';
    const where = result.outputs[0] ? ` -> ${relativeFolder(this.io.cwd, dirname(result.outputs[0].path))}/` : '';
    // Without --wait an image is only accepted (even one already done: the same bytes were uploaded before).
    const what = this.#waited ? `${sizes}${where}` : (result.image?.status ?? '');
    return `${label(result.status, paint.ok)} ${file.display}  ${paint.dim(result.id ?? '')}  ${what}`;
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
    const good = this.#waited ? 'done' : 'uploaded';
    const parts = [p.ok(`${counts.outcomes[good]} ${good}`)];
    for (const outcome of OUTCOMES) {
      if (outcome !== good && counts.outcomes[outcome] > 0) parts.push(p.bad(`${counts.outcomes[outcome]} ${outcome}`));
    }
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
      skipped.length > 0 ? `${skipped.length} skipped (${skippedReasons(skipped)})` : '',
      out !== null && counts.outcomes.done > 0 ? `thumbnails in ${relativeFolder(this.io.cwd, out)}` : '',
    ].filter(Boolean);
    await write(this.io.stdout, `${p.bold(`${inputs.join(' + ')}:`)} ${parts.join(', ')} · ${tail.join(' · ')}\n`);
    if (summary.interrupted) {
      const ids = summary.created.length > 0 ? `: ${summary.created.join(' ')}` : '';
      await write(this.io.stdout, `Interrupted. Images created so far: ${summary.created.length}${ids}\n`);
    }
  }
}

/** `cannot reach http://…: ECONNREFUSED. Check that …`: what stopped a run, ending with what to do. */
export function fatalLine(fatal: ClientError, server: string): string {
  const what = fatalWhat(fatal, server);
  return fatal.nextStep ? `${what} ${fatal.nextStep}` : what;
}

/** What stopped a run, in plain words (without the next step). */
export const fatalWhat = (fatal: ClientError, server: string) =>
  fatal.status === 0 ? `cannot reach ${server} (${fatal.detail ?? 'no answer'}).` : fatal.plain;

/** `hidden` when every one is, else `1 hidden, 2 not an image`. */
export function skippedReasons(skipped: readonly SkippedFile[]): string {
  const hidden = skipped.filter((file) => file.reason === 'hidden').length;
  const other = skipped.length - hidden;
  if (hidden === 0 || other === 0) return hidden > 0 ? 'hidden' : 'not an image';
  return `${hidden} hidden, ${other} not an image`;
}

const label = (status: string, paint: (text: string) => string) => paint(status.padEnd(9));

const urlCount = (files: readonly InputFile[]) => files.filter((file) => file.url !== undefined).length;

function relativeFolder(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
