import { join, relative } from 'node:path';
import { ClientError, type ImageJson, ThumbsmithClient } from './api-client.js';
import { type Io, paintFor, write } from './output.js';
import { type SavedThumbnail, saveThumbnails } from './save.js';
import { EXIT } from './upload-command.js';

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
  /** The image JSON when known; `status` is also `not_found` or `error` for ids that could not be read. */
  status: string;
  image: ImageJson | null;
  error: { code: string | null; message: string; plain: string } | null;
  outputs?: SavedThumbnail[];
  deleted?: boolean;
}

const failure = (id: string, error: unknown): Outcome => {
  const clientError = error instanceof ClientError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return {
    id,
    ok: false,
    status: clientError?.status === 404 && clientError.code !== 'TS_ROUTE_NOT_FOUND' ? 'not_found' : 'error',
    image: null,
    error: {
      code: clientError?.code ?? null,
      message: clientError?.detail ?? message,
      plain: clientError?.plain ?? message,
    },
  };
};

const imageFailure = (image: ImageJson): Outcome['error'] => ({
  code: image.error?.code ?? null,
  message: image.error?.message ?? 'failed',
  plain: new ClientError(422, image.error?.code, image.error?.message).plain,
});

const unreachable = (error: unknown) => error instanceof ClientError && (error.status === 0 || error.fatal);

/**
 * Runs `task` for every id (8 at a time) with one client, turns thrown errors into failed outcomes (remembering the
 * first "server unreachable" one, which decides the exit code), and reports.
 */
async function eachImage(
  command: 'status' | 'get' | 'delete',
  options: ImageCommandOptions,
  io: Io,
  task: (client: ThumbsmithClient, id: string) => Promise<Outcome>,
): Promise<number> {
  const client = new ThumbsmithClient({ server: options.server, key: options.key });
  const ids = options.ids;
  let fatal: ClientError | undefined;
  const outcomes: Outcome[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index]!;
      try {
        outcomes[index] = await task(client, id);
      } catch (error) {
        if (unreachable(error)) fatal ??= error as ClientError;
        outcomes[index] = failure(id, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
  return report(command, outcomes, fatal, options, io);
}

async function report(
  command: 'status' | 'get' | 'delete',
  outcomes: Outcome[],
  fatal: ClientError | undefined,
  options: ImageCommandOptions,
  io: Io,
): Promise<number> {
  const exitCode = fatal ? EXIT.unreachable : outcomes.every((outcome) => outcome.ok) ? EXIT.ok : EXIT.failures;
  if (options.json) {
    await write(io.stdout, `${JSON.stringify({ ok: exitCode === EXIT.ok, command, images: outcomes }, null, 2)}\n`);
  } else {
    const p = paintFor(io.stdout, io.env);
    for (const outcome of outcomes) await write(io.stdout, `${describe(command, outcome, options, io, p)}\n`);
  }
  if (fatal) {
    const what = fatal.status === 0 ? `cannot reach ${options.server} (${fatal.detail ?? 'no answer'})` : fatal.plain;
    await write(io.stderr, `thumbsmith: ${what}\n`);
  }
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
  if (!outcome.image) return `${outcome.id}  ${p.bad('error')}  ${outcome.error?.plain ?? ''}${code}`;
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

/** `thumbsmith status ID…`: one line (or JSON) per image; `--wait` waits for each to finish. */
export async function statusCommand(options: ImageCommandOptions, io: Io): Promise<number> {
  return eachImage('status', options, io, async (client, id) => {
    const image = options.wait ? await client.waitFinal(id, options.timeoutSeconds * 1000) : await client.getImage(id);
    const failed = image.status === 'failed';
    return { id, ok: !failed, status: image.status, image, error: failed ? imageFailure(image) : null };
  });
}

/** `thumbsmith get ID…`: saves each done image's thumbnails as `<out>/<id>/<preset>.<ext>`. */
export async function getCommand(options: ImageCommandOptions, io: Io): Promise<number> {
  return eachImage('get', options, io, async (client, id) => {
    const image = options.wait ? await client.waitFinal(id, options.timeoutSeconds * 1000) : await client.getImage(id);
    if (image.status === 'failed') return { id, ok: false, status: image.status, image, error: imageFailure(image) };
    if (image.status !== 'done') {
      const plain = `Not finished yet (${image.status}); add --wait to wait for it.`;
      return { id, ok: false, status: image.status, image, error: { code: null, message: plain, plain } };
    }
    const outputs = await saveThumbnails(client, image, join(options.out, id), options.presets);
    return { id, ok: true, status: image.status, image, error: null, outputs };
  });
}

/** `thumbsmith delete ID…`: deletes each image and its thumbnails. */
export async function deleteCommand(options: ImageCommandOptions, io: Io): Promise<number> {
  return eachImage('delete', options, io, async (client, id) => {
    // Read first, so the line can name the file; a 404 here is "not found" without trying to delete.
    const image = await client.getImage(id);
    await client.deleteImage(id);
    return { id, ok: true, status: 'deleted', image, error: null, deleted: true };
  });
}
