import type { Writable } from 'node:stream';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** 1536 -> "1.5 kB" (decimal units). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as "8s", "2m05s", "1h02m"; "--" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A bar of `width` cells, `fraction` (0..1) full, with eighth-cell precision. */
export function renderBar(fraction: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(clamped * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  const partials = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
  const body = '█'.repeat(full) + (partial > 0 ? partials[partial] : '');
  return body + ' '.repeat(Math.max(0, width - full - (partial > 0 ? 1 : 0)));
}

/** Bytes per second over a sliding window of recent samples (steadier than a lifetime average). */
export class RateMeter {
  readonly #windowMs: number;
  readonly #samples: Array<{ at: number; total: number }> = [];

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  sample(total: number, at = Date.now()): void {
    this.#samples.push({ at, total });
    while (this.#samples.length > 2 && at - this.#samples[0]!.at > this.#windowMs) this.#samples.shift();
  }

  /** Bytes per second; 0 until two samples apart in time exist. */
  get rate(): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.at <= first.at) return 0;
    return ((last.total - first.total) * 1000) / (last.at - first.at);
  }
}

/**
 * What became of one input, in one word used everywhere (progress line, lines, summary, `--json`): `done` (uploaded,
 * thumbnails made), `uploaded` (accepted; not waited for), `failed` (the server could not make thumbnails),
 * `rejected` (the server refused the upload), `unreachable` (not uploaded: the server could not be reached),
 * `unfinished` (uploaded, not known to be finished when the wait ended: check it by id), `error` (a local problem,
 * e.g. saving a thumbnail), `interrupted` (Ctrl-C came first). Inputs left out before the run are `skipped`.
 */
export type Outcome =
  | 'done'
  | 'uploaded'
  | 'failed'
  | 'rejected'
  | 'unreachable'
  | 'unfinished'
  | 'error'
  | 'interrupted';

/** In the order the summary names them. */
export const OUTCOMES: readonly Outcome[] = [
  'done',
  'uploaded',
  'failed',
  'rejected',
  'unreachable',
  'unfinished',
  'error',
  'interrupted',
];

export const noOutcomes = (): Record<Outcome, number> =>
  Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;

export interface Counts {
  /** Inputs to upload (skipped ones are not among them). */
  files: number;
  /** Inputs whose upload is over, accepted or not. */
  sent: number;
  /** Inputs the server accepted. */
  uploaded: number;
  outcomes: Record<Outcome, number>;
  bytesTotal: number;
  bytesSent: number;
  /** Waiting for thumbnails after the upload (0 when not waiting). */
  waiting: number;
  /** While the server is away or busy: why and how many retries, shown instead of a frozen line. */
  retrying: string | null;
}

export interface StatusLineInput extends Counts {
  rate: number;
  columns: number;
  spinner: string;
}

/**
 * The one-line status of an upload run: phase, counts, bar, percent, bytes, rate, ETA and outcomes, fitted to the
 * terminal width (the byte figures go first, then the rate, then the bar). While the server is away it says so.
 */
export function statusLine(input: StatusLineInput): string {
  const columns = input.columns > 0 ? input.columns : 80;
  const uploading = input.sent < input.files;
  const finished = OUTCOMES.reduce((sum, outcome) => sum + input.outcomes[outcome], 0);
  const phase = uploading ? 'Uploading' : input.waiting > 0 ? 'Rendering' : 'Finishing';
  const fraction = uploading
    ? input.bytesTotal > 0
      ? input.bytesSent / input.bytesTotal
      : 0
    : input.files > 0
      ? finished / input.files
      : 1;
  const count = uploading ? `${input.sent}/${input.files}` : `${finished}/${input.files}`;
  const head = `${input.spinner} ${phase} ${count}`;
  const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const bytes = `${formatBytes(input.bytesSent)}/${formatBytes(input.bytesTotal)}`;
  const moving = uploading && input.rate > 0 && input.retrying === null;
  const rate = moving ? `${formatBytes(input.rate)}/s` : '';
  const eta = moving ? `ETA ${formatDuration((input.bytesTotal - input.bytesSent) / input.rate)}` : '';
  const outcomes = [
    `${input.outcomes.done} done`,
    ...OUTCOMES.filter((outcome) => outcome !== 'done' && input.outcomes[outcome] > 0).map(
      (outcome) => `${input.outcomes[outcome]} ${outcome}`,
    ),
    input.retrying ?? '',
  ];

  const line = (barWidth: number, extras: string[]) =>
    [
      barWidth > 0 ? `${head} ▕${renderBar(fraction, barWidth)}▏${percent}` : `${head} ${percent}`,
      ...extras,
      ...outcomes,
    ]
      .filter(Boolean)
      .join(' · ');
  for (const extras of [[bytes, rate, eta], [rate, eta], [eta], []]) {
    const room = columns - 1 - line(0, extras).length - 2;
    if (room >= 10) return line(Math.min(30, room), extras);
  }
  const bare = line(0, []);
  return bare.length < columns ? bare : bare.slice(0, columns - 1);
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Redraws the status line on a terminal about ten times a second; lines printed through `log` appear above it.
 */
export class TerminalProgress {
  readonly #stream: Writable & { columns?: number };
  readonly #counts: () => Counts;
  readonly #meter = new RateMeter();
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;
  #drawn = false;

  constructor(stream: Writable & { columns?: number }, counts: () => Counts) {
    this.#stream = stream;
    this.#counts = counts;
  }

  start(): void {
    this.#timer = setInterval(() => this.draw(), 100);
    this.#timer.unref();
    this.draw();
  }

  /** Prints a line above the bar. */
  log(line: string): void {
    this.#clear();
    this.#stream.write(`${line}\n`);
    this.draw();
  }

  draw(): void {
    const counts = this.#counts();
    this.#meter.sample(counts.bytesSent);
    const line = statusLine({
      ...counts,
      rate: this.#meter.rate,
      columns: this.#stream.columns ?? 80,
      spinner: SPINNER[this.#frame++ % SPINNER.length]!,
    });
    this.#stream.write(`\r\x1b[2K${line}`);
    this.#drawn = true;
  }

  /** Stops redrawing and erases the line, whatever is on it (a `^C` the terminal echoed after it, too). */
  stop(): void {
    clearInterval(this.#timer);
    if (this.#timer !== undefined) this.#stream.write('\r\x1b[2K');
    this.#timer = undefined;
    this.#drawn = false;
  }

  #clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}
