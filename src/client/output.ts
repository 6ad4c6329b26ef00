import type { Writable } from 'node:stream';

/** Where a client command writes; a terminal gets a progress bar and colour, a pipe plain lines. */
export interface Io {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted by Ctrl-C (SIGINT): the command stops, reports what it did so far and exits 130. */
  interrupt: AbortSignal;
}

/**
 * The process's streams and environment. The first SIGINT aborts `interrupt` (the command winds down and reports);
 * a second one exits at once.
 */
export function processIo(): Io {
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    interrupt.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    interrupt: interrupt.signal,
  };
}

export interface Paint {
  ok(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** ANSI colour on a terminal unless NO_COLOR is set (https://no-color.org); nothing on a pipe. */
export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Paint {
  const on = stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (text: string) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { ok: wrap(32, 39), bad: wrap(31, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** Writes and resolves when the stream took it (so a piped reader sees everything before the exit). */
export function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', resolve);
  });
}
