import { join, relative } from 'node:path';
import { ClientError, type ErrorReport, errorReport, type Image, ThumbsmithClient } from './api-client.js';
import { type Io, paintFor, write } from './output.js';
import { Outage, waitFinal } from './retry.js';
import { type SavedThumbnail, saveThumbnails } from './save.js';
import { EXIT } from './upload-command.js';
import { fatalLine, fatalWhat } from './upload-report.js';

export interface ImageCommandOptions {
  ids: string[];
  server: string;
  key: string | undefined;
  wait: boolean;
  json: boolean;
  timeoutSeconds: number;
  /** `get` only: where `<id>/<preset>.<ext>` go. */
  out: string;
  presets: string[] | null;
}

interface Outcome {
  id: string;
  ok: boolean;
  /** The image JSON when known; `status` is also `not_found`, `error` or `interrupted` for ids that were not read. */
  status: string;
  image: Image | null;
  error: ErrorReport | null;
  outputs?: SavedThumbnail[];
  deleted?: boolean;
}

const failure = (id: string, error: unknown): Outcome => {
  const clientError = error instanceof ClientError ? error : undefined;
  return {
    id,
    ok: false,
    status: clientError?.status === 404 && clientError.code !== 'TS_ROUTE_NOT_FOUND' ? 'not_found' : 'error',
    image: null,
    error: errorReport(error),
  };
};

const imageFailure = (image: Image): Outcome['error'] => {
  const { plain, nextStep } = new ClientError(422, image.error?.code, image.error?.message);
  return { code: image.error?.code ?? null, message: image.error?.message ?? 'failed', plain, nextStep };
};

const INTERRUPTED: ErrorReport = { code: null, message: 'interrupted', plain: 'Interrupted (Ctrl-C).', nextStep: null };

const unreachable = (error: unknown) => error instanceof ClientError && (error.transient || error.fatal);

/**
 * Runs `task` for every id (8 at a time) with one client, turns thrown errors into failed outcomes (remembering the
 * first "server unreachable" one, which decides the exit code), and reports.
 */
async function eachImage(
  command: 'status' | 'get' | 'delete',
  options: ImageCommandOptions,
  io: Io,
  task: (client: ThumbsmithClient, id: string, outage: Outage) => Promise<Outcome>,
): Promise<number> {
  const client = new ThumbsmithClient({ server: options.server, key: options.key });
  const outage = new Outage(options.timeoutSeconds * 1000, io.interrupt);
  const ids = options.ids;
  let fatal: ClientError | undefined;
  const outcomes: Outcome[] = ids.map((id) => ({
    id,
    ok: false,
    status: 'interrupted',
    image: null,
    error: INTERRUPTED,
  }));
  let next = 0;
  const worker = async () => {
    // After a refused key or a server gone for good, the other ids are not tried (they are reported with its error).
    while (next < ids.length && !io.interrupt.aborted) {
      const index = next++;
      const id = ids[index]!;
      try {
        outcomes[index] = fatal ? failure(id, fatal) : await task(client, id, outage);
      } catch (error) {
        if (io.interrupt.aborted) break;
        if (unreachable(error)) fatal ??= error as ClientError;
        outcomes[index] = failure(id, error);
      }
    }
  };
  try {
    fatal = await client.probe();
    await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
  } finally {
    await client.close();
  }
  return report(command, outcomes, fatal, options, io);
}

async function report(
  command: 'status' | 'get' | 'delete',
  outcomes: Outcome[],
  fatal: ClientError | undefined,
  options: ImageCommandOptions,
  io: Io,
): Promise<number> {
  const interrupted = io.interrupt.aborted;
  const exitCode = interrupted
    ? EXIT.interrupted
    : fatal
      ? EXIT.unreachable
      : outcomes.every((outcome) => outcome.ok)
        ? EXIT.ok
        : EXIT.failures;
  if (options.json) {
    const error = fatal ? { ...errorReport(fatal), plain: fatalWhat(fatal, options.server) } : null;
    const document = { ok: exitCode === EXIT.ok, command, error, interrupted, images: outcomes };
    await write(io.stdout, `${JSON.stringify(document, null, 2)}\n`);
  } else {
    const p = paintFor(io.stdout, io.env);
    for (const outcome of outcomes) await write(io.stdout, `${describe(command, outcome, options, io, p)}\n`);
  }
  if (fatal) await write(io.stderr, `thumbsmith: ${fatalLine(fatal, options.server)}\n`);
  return exitCode;
}

function describe(
  command: 'status' | 'get' | 'delete',
  outcome: Outcome,
  options: ImageCommandOptions,
  io: Io,
  p: ReturnType<typeof paintFor>,
): string {
  const code = outcome.error?.code ? p.dim(` (${outcome.error.code})`) : '';
  if (outcome.status === 'not_found') return `${outcome.id}  ${p.bad('not found')}`;
  if (!outcome.image) return `${outcome.id}  ${p.bad(outcome.status)}  ${outcome.error?.plain ?? ''}${code}`;
  const image = outcome.image;
  const name = image.original?.filename ?? image.sourceUrl ?? '';
  if (command === 'delete') return `${outcome.id}  ${p.ok('deleted')}  ${name}`;
  if (image.status === 'failed')
    return `${outcome.id}  ${p.bad('failed')}  ${name}  ${outcome.error?.plain ?? ''}${code}`;
  if (command === 'get') {
    if (!outcome.ok) return `${outcome.id}  ${p.bad(image.status)}  ${name}  ${outcome.error?.plain ?? ''}`;
    const presets = (outcome.outputs ?? []).map((saved) => saved.preset).join(', ');
    const folder = relative(io.cwd, join(options.out, outcome.id)) || '.';
    return `${outcome.id}  ${p.ok('saved')}  ${name}  ${presets} -> ${folder}/`;
  }
  const original = image.original
    ? `${image.original.format.toUpperCase()} ${image.original.width}x${image.original.height}`
    : '';
  const variants = image.variants.map((v) => `${v.preset} ${v.width}x${v.height} ${v.format}`).join(', ');
  const status = image.status === 'done' ? p.ok('done') : image.status;
  return [outcome.id, status, name, original, variants].filter(Boolean).join('  ');
}

/** The image as it is, or (`--wait`) once final; both ride out a server restart. */
function readImage(client: ThumbsmithClient, id: string, options: ImageCommandOptions, outage: Outage): Promise<Image> {
  if (options.wait) return waitFinal(client, id, options.timeoutSeconds * 1000, outage);
  return outage.retry(() => client.getImage(id, undefined, outage.signal));
}

/** `thumbsmith status ID…`: one line (or JSON) per image; `--wait` waits for each to finish. */
export async function statusCommand(options: ImageCommandOptions, io: Io): Promise<number> {
  return eachImage('status', options, io, async (client, id, outage) => {
    const image = await readImage(client, id, options, outage);
    const failed = image.status === 'failed';
    return { id, ok: !failed, status: image.status, image, error: failed ? imageFailure(image) : null };
  });
}

/** `thumbsmith get ID…`: saves each done image's thumbnails as `<out>/<id>/<preset>.<ext>`. */
export async function getCommand(options: ImageCommandOptions, io: Io): Promise<number> {
  return eachImage('get', options, io, async (client, id, outage) => {
    const image = await readImage(client, id, options, outage);
    if (image.status === 'failed') return { id, ok: false, status: image.status, image, error: imageFailure(image) };
    if (image.status !== 'done') {
      const plain = `Not finished yet (${image.status}); add --wait to wait for it.`;
      return {
        id,
        ok: false,
        status: image.status,
        image,
        error: { code: null, message: plain, plain, nextStep: null },
      };
    }
    const outputs = await outage.retry(() => saveThumbnails(client, image, join(options.out, id), options.presets));
    return { id, ok: true, status: image.status, image, error: null, outputs };
  });
}

/** `thumbsmith delete ID…`: deletes each image and its thumbnails. */
export async function deleteCommand(options: ImageCommandOptions, io: Io): Promise<number> {
  return eachImage('delete', options, io, async (client, id, outage) => {
    // Read first, so the line can name the file; a 404 here is "not found" without trying to delete.
    const image = await outage.retry(() => client.getImage(id, undefined, outage.signal));
    await outage.retry(() => client.deleteImage(id));
    return { id, ok: true, status: 'deleted', image, error: null, deleted: true };
  });
}
