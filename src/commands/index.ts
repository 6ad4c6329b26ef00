import { parseCommandArgs, UsageError } from '../cli-args.js';
import { CLIENT_USAGE } from '../client/main.js';
import { packageVersion } from '../package-version.js';
import { type Command, EXIT, withoutArguments } from './command.js';
import { KEYS_USAGE, keysCommand } from './keys.js';
import { migrate, reprocess, sweep } from './maintenance.js';
import { serve } from './serve.js';
import { WEBHOOKS_USAGE, webhooksCommand } from './webhooks.js';

/** The server's commands: parsing, `--help`, the usage text and dispatch all read this one list. */
export const COMMANDS: readonly Command[] = [
  {
    name: 'start',
    synopsis: 'start',
    summary: 'HTTP API and workers in one process (the embedded default)',
    parse: withoutArguments((context) => serve('all', context)),
  },
  {
    name: 'api',
    synopsis: 'api',
    summary: 'HTTP API only (scale-out; workers run elsewhere)',
    parse: withoutArguments((context) => serve('api', context)),
  },
  {
    name: 'worker',
    synopsis: 'worker',
    summary: 'workers only (serves /healthz and /readyz)',
    parse: withoutArguments((context) => serve('worker', context)),
  },
  {
    name: 'migrate',
    synopsis: 'migrate',
    summary: 'create or upgrade the database schema, then exit',
    parse: withoutArguments(migrate),
  },
  {
    name: 'sweep',
    synopsis: 'sweep',
    summary: 're-enqueue stuck images, delete images past RETENTION_*, delete orphan blobs, then exit',
    parse: withoutArguments(sweep),
  },
  {
    name: 'reprocess',
    synopsis: 'reprocess [--preset NAME]',
    summary: 'enqueue re-renders of done images whose variants an older preset definition made',
    parse: (args) => {
      const { values } = parseCommandArgs(args, { preset: { type: 'string' } });
      return values.help ? 'help' : { run: (context) => reprocess(context, values.preset) };
    },
  },
  keysCommand,
  webhooksCommand,
  {
    name: 'version',
    aliases: ['--version', '-v'],
    synopsis: 'version',
    summary: 'print the version (also --version, -v)',
    usage: overallUsage,
    parse: (args) => {
      if (args.length > 0) throw new UsageError('takes no arguments');
      return { standalone: () => print(packageVersion()) };
    },
  },
  {
    name: 'help',
    aliases: ['--help', '-h'],
    synopsis: 'help',
    summary: 'this text (also --help, -h; "<command> --help" for one command)',
    usage: overallUsage,
    parse: () => ({ standalone: () => print(overallUsage()) }),
  },
];

/** The command a name (or an alias) on the command line stands for. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name || command.aliases?.includes(name));
}

export function overallUsage(): string {
  return `thumbsmith <command> [arguments] [--help]

Commands:
${COMMANDS.map(({ synopsis, summary }) => `  ${synopsis.padEnd(26)}${summary}`).join('\n')}

Server commands read their configuration from environment variables (see the README) and exit with 0 on success,
1 when they fail (a start-up failure prints one line naming the variable to fix), 2 on a usage error.

${KEYS_USAGE}

${WEBHOOKS_USAGE}

${CLIENT_USAGE}`;
}

export function commandUsage(command: Command): string {
  return (
    command.usage?.() ??
    `Usage: thumbsmith ${command.synopsis}\n\n  ${command.summary}\n\nSee "thumbsmith --help" for all commands.`
  );
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return EXIT.ok;
}
