import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = import.meta.resolve('tsx');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `thumbsmith <args>` from the sources as a real child process, stdout and stderr piped (not a terminal),
 * in `cwd`; killed after `timeoutMs`. `via: 'cli'` goes through src/cli.ts (the full bin, with the server's modules);
 * the default starts only the client, as bin/thumbsmith.js does for client commands.
 */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number; via?: 'cli' | 'client' },
): Promise<CliRun> {
  const entry = options.via === 'cli' ? resolve(ROOT, 'src/cli.ts') : resolve(import.meta.dirname, 'client-main.ts');
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, entry, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
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
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`thumbsmith ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 45_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}
