import { parseArgs } from 'node:util';
import { deleteCommand, getCommand, statusCommand } from './image-commands.js';
import { type Io, processIo, write } from './output.js';
import { EXIT, uploadCommand } from './upload-command.js';

export const CLIENT_COMMANDS: ReadonlySet<string> = new Set(['upload', 'status', 'get', 'delete']);

export const DEFAULT_SERVER = 'http://127.0.0.1:8000';

/** Long enough for a busy server to render and for one to restart; short enough that a dead one is noticed. */
const DEFAULT_TIMEOUT_SECONDS = 120;

export const CLIENT_USAGE = `Client commands (talk to a running Thumbsmith server):
  upload <files, folders or URLs…>
                               upload images and report each one: folders are walked recursively,
                               http(s) URLs are fetched by the server
      --wait                   wait until every image is done or failed (implied by --out)
      --out DIR                save thumbnails as DIR/<path without extension>/<preset>.<ext>,
                               mirroring the folders given (a URL: its file name without extension,
                               numbered if taken)
      --presets a,b            only these presets (with --out: the files saved)
      --concurrency N          uploads at once (default 4)
  status ID…                   status of images (--wait: until each is done or failed)
  get ID…                      save thumbnails of done images as DIR/<id>/<preset>.<ext>
                               (--out DIR, default "."; --presets; --wait)
  delete ID…                   delete images and their thumbnails

Common options:
  --server URL     server (default $THUMBSMITH_URL or ${DEFAULT_SERVER})
  --key KEY        API key (default $THUMBSMITH_KEY; the variable keeps it out of the process list)
  --json           one JSON document on stdout instead of lines
  --timeout SEC    longest wait for one image with --wait, and for a server that went away
                   (restarting, unreachable, busy) to answer again (default ${DEFAULT_TIMEOUT_SECONDS})

Each input ends as one of: done, uploaded (not waited for), failed, rejected, unreachable (not
uploaded), unfinished (uploaded; check it later by id), error, interrupted; folders' hidden and
non-image files are skipped.

Exit status: 0 all good, 1 some input did not end done (or uploaded) or an id was not found,
2 usage error, 3 the server could not be reached, is not Thumbsmith or refused the key,
130 interrupted (Ctrl-C; the ids created so far are printed).`;

const OPTIONS = {
  server: { type: 'string' },
  key: { type: 'string' },
  presets: { type: 'string' },
  wait: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  concurrency: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function positiveInteger(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) {
    throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got "${value}")`);
  }
  return number;
}

function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server must be a URL such as ${DEFAULT_SERVER} (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('--server must be an http or https URL');
  return url.href.replace(/\/+$/, '');
}

/** Runs `thumbsmith upload|status|get|delete …` and returns the exit status. */
export async function runClient(command: string, argv: string[], io: Io = processIo()): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    if (values.help) {
      await write(io.stdout, `${CLIENT_USAGE}\n`);
      return EXIT.ok;
    }
    const server = serverUrl(values.server ?? io.env.THUMBSMITH_URL ?? DEFAULT_SERVER);
    const key = values.key ?? (io.env.THUMBSMITH_KEY || undefined);
    const presets = values.presets
      ? values.presets
          .split(',')
          .map((preset) => preset.trim())
          .filter(Boolean)
      : null;
    const timeoutSeconds = positiveInteger(values.timeout, 'timeout', DEFAULT_TIMEOUT_SECONDS, 86_400);
    const json = values.json ?? false;
    const wait = values.wait ?? false;
    if (positionals.length === 0) {
      throw new UsageError(
        command === 'upload' ? 'name files, folders or URLs to upload' : `name the image ids to ${command}`,
      );
    }
    if (command === 'upload') {
      return await uploadCommand(
        {
          inputs: positionals,
          server,
          key,
          presets,
          wait,
          out: values.out ?? null,
          concurrency: positiveInteger(values.concurrency, 'concurrency', 4, 64),
          json,
          timeoutSeconds,
        },
        io,
      );
    }
    const options = { ids: positionals, server, key, wait, json, timeoutSeconds, out: values.out ?? '.', presets };
    if (command === 'status') return await statusCommand(options, io);
    if (command === 'get') return await getCommand(options, io);
    if (command === 'delete') return await deleteCommand(options, io);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    const usage = error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    if (!usage) throw error;
    await write(io.stderr, `thumbsmith ${command}: ${(error as Error).message}\n\n${CLIENT_USAGE}\n`);
    return EXIT.usage;
  }
}
