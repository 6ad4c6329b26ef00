import { ThumbsmithClient } from './api-client.js';
import { collectInputs, type InputFile, OutputCollision, planOutputFolders, type SkippedFile } from './collect.js';
import { type Io, write } from './output.js';
import { Outage } from './retry.js';
import { skippedReasons, uploadReporter } from './upload-report.js';
import { UploadRun } from './upload-run.js';

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

/** Exit codes of the client commands (130: interrupted, as shells report SIGINT). */
export const EXIT = { ok: 0, failures: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;

/**
 * `thumbsmith upload`: uploads files, folders and http(s) URLs (the server fetches those; several at a time),
 * optionally waits for the thumbnails and saves them under `--out` mirroring the input tree, reports progress (a bar
 * on a terminal, one line per event on a pipe, one JSON document with `--json`) and exits 1 when any image was
 * rejected or failed.
 */
export async function uploadCommand(options: UploadOptions, io: Io): Promise<number> {
  const inputs = await readInputs(options.inputs, io);
  if (typeof inputs === 'string') {
    await write(io.stderr, `thumbsmith: ${inputs}\n`);
    return EXIT.usage;
  }
  return runUpload(options, inputs, io);
}

interface Inputs {
  files: InputFile[];
  /** Files left out of folder walks: hidden or not an image's extension. */
  skipped: SkippedFile[];
  folders: Map<InputFile, string>;
}

/** The inputs to upload and their output folders, or why there is nothing to do. */
async function readInputs(paths: string[], io: Io): Promise<Inputs | string> {
  const { files, missing, skipped } = await collectInputs(paths, io.cwd);
  if (missing.length > 0) return `no such file or folder: ${missing.join(', ')}`;
  if (files.length === 0) {
    return `nothing to upload${skipped.length > 0 ? ` (${skipped.length} skipped: ${skippedReasons(skipped)})` : ''}`;
  }
  try {
    return { files, skipped, folders: planOutputFolders(files) };
  } catch (error) {
    if (!(error instanceof OutputCollision)) throw error;
    return `${error.message}. Upload them in separate runs or with different --out.`;
  }
}

async function runUpload(options: UploadOptions, inputs: Inputs, io: Io): Promise<number> {
  const client = new ThumbsmithClient({ server: options.server, key: options.key });
  const wait = options.wait || options.out !== null;
  const started = Date.now();
  const reporter = uploadReporter(io, options.json, wait);
  const { files, folders } = inputs;
  const { out, presets, concurrency, timeoutSeconds } = options;
  // A server that is away longer than the longest wait for an image is given up.
  const outage = new Outage(timeoutSeconds * 1000, io.interrupt);
  const run = new UploadRun(
    files,
    { client, outage, wait, out, folders, presets, concurrency, timeoutSeconds },
    reporter,
  );
  reporter.start(() => run.counts);
  try {
    const fatal = await client.probe();
    await (fatal ? run.stopBefore(fatal) : run.run());
  } finally {
    reporter.stop();
    await client.close();
  }

  const { counts, fatal, interrupted } = run;
  const failures = counts.files - counts.outcomes.done - counts.outcomes.uploaded > 0;
  const exitCode = interrupted ? EXIT.interrupted : fatal ? EXIT.unreachable : failures ? EXIT.failures : EXIT.ok;
  await reporter.summary({
    ok: exitCode === EXIT.ok,
    server: client.server,
    fatal,
    interrupted,
    created: run.createdIds,
    waited: wait,
    out,
    files,
    results: run.results,
    counts,
    skipped: inputs.skipped,
    seconds: (Date.now() - started) / 1000,
  });
  return exitCode;
}
