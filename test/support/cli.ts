import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = import.meta.resolve('tsx');
const ENTRIES = {
  /** src/cli.ts: the full bin, with the server's modules. */
  cli: resolve(ROOT, 'src/cli.ts'),
  /** Only the client, as bin/thumbsmith.js starts it for client commands. */
  client: resolve(ROOT, 'test/client/client-main.ts'),
};

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** @defaultValue the repository root */
  cwd?: string;
  /** Added to PATH and HOME; nothing else of the test's environment leaks in. */
  env?: Record<string, string>;
  /** The child is killed and the run rejected after this. @defaultValue 60_000 */
  timeoutMs?: number;
  /** @defaultValue 'cli' */
  via?: keyof typeof ENTRIES;
  /**
   * Runs it under util-linux `script`, which gives it a pseudo-terminal (`TERM=xterm-256color`); stdout then
   * carries everything the terminal showed.
   */
  terminal?: boolean;
  /** Sends the child SIGINT (Ctrl-C) once this says so; asked every 50 ms with the output so far. */
  interruptWhen?: (output: { stdout: string; stderr: string }) => boolean | Promise<boolean>;
}

/** Runs `thumbsmith <args>` from the sources as a real child process, stdout and stderr piped (not a terminal). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const { cwd = ROOT, env, timeoutMs = 60_000, via = 'cli', terminal = false, interruptWhen } = options;
  const command = [process.execPath, '--import', TSX, ENTRIES[via], ...args];
  const [file, ...argv] = terminal ? underPseudoTerminal(command) : command;
  return new Promise((resolveRun, reject) => {
    const child = spawn(file as string, argv, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(terminal && { TERM: 'xterm-256color' }), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const watch =
      interruptWhen &&
      setInterval(async () => {
        if (child.exitCode !== null || !(await interruptWhen({ stdout, stderr }))) return;
        clearInterval(watch);
        child.kill('SIGINT');
      }, 50);
    const timer = setTimeout(() => {
      clearInterval(watch);
      child.kill('SIGKILL');
      reject(new Error(`thumbsmith ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      clearInterval(watch);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** The command line that runs `command` under `script`, quoted for its shell. */
function underPseudoTerminal(command: string[]): string[] {
  const quoted = command.map((part) => `'${part}'`).join(' ');
  return ['/usr/bin/script', '-qec', quoted, '/dev/null'];
}
