import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ServiceProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Every log line the process wrote (JSON), parsed. */
  logs: Array<Record<string, unknown>>;
  /** Sends a signal and waits for the exit (SIGTERM = graceful drain). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `thumbsmith <command>` as a real OS process on a free loopback port and waits until it listens.
 * `dataDir` is created when not given; pass the same one again to restart on the same data.
 */
export async function startService(
  options: {
    command?: 'start' | 'api' | 'worker';
    dataDir?: string;
    env?: Record<string, string>;
    /** Run the built `dist/` (as `npm start` does) instead of the TypeScript sources; benchmarks use it. */
    built?: boolean;
    /** The checkout to run (default this one); `bench/bombs.ts` measures an older one with it. */
    root?: string;
    /** How long it may take to listen (a loaded machine starting several processes at once needs more). */
    startTimeoutMs?: number;
  } = {},
): Promise<ServiceProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'thumbsmith-e2e-')));
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const entry = options.built ? ['bin/thumbsmith.js'] : ['--import', 'tsx', 'src/cli.ts'];
  const child = spawn(process.execPath, [...entry, options.command ?? 'start'], {
    cwd: options.root ?? ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      // Test suites upload in bursts from one address; the limits have their own tests (test/security).
      RATE_LIMIT_PER_MINUTE: '0',
      UPLOAD_RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close', not 'exit': it comes once the pipes are drained too, so `logs` then holds the process's last lines.
  const exited = new Promise<number | null>((resolveExit) => child.once('close', (code) => resolveExit(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      // Never leave a half-started process behind.
      child.kill('SIGKILL');
      reject(new Error(`service did not start in ${startTimeoutMs / 1000} s\n${stderr}`));
    }, startTimeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'thumbsmith listening') {
            clearTimeout(timer);
            resolveUrl(String(entry.address));
          }
        } catch {
          // not a log line
        }
        newline = buffered.indexOf('\n');
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening\n${stderr}`));
    });
  });
  return {
    url,
    dataDir,
    child,
    logs,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Whether a process with this id still exists (a killed and reaped child does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
