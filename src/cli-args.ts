import { type ParseArgsConfig, parseArgs } from 'node:util';

/** The command line does not fit the command: exit status 2, with the command's usage on stderr. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses a server command's arguments strictly, `--help`/`-h` included: an unknown flag, a flag without its value or
 * more than `maxPositionals` positionals is a UsageError, never ignored.
 */
export function parseCommandArgs<const O extends Options>(args: readonly string[], options: O, maxPositionals = 0) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: [...args], options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's parse errors (ERR_PARSE_ARGS_*) name the bad argument in their first sentence (the rest is a hint about
    // `--` that no command here needs); anything else is a bug.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError((error as Error).message.split('. ', 1)[0]!);
    }
    throw error;
  }
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  return parsed;
}
