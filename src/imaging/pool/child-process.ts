// The operating-system side of one imaging child: where its entry is, how it is forked, how much memory it holds,
// and what its death means. The pool (imaging-pool.ts) decides when to start, use, kill and replace children.
import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ThumbsmithError } from '../../domain/errors.js';
import type { ChildSettings } from './protocol.js';

/** Signals a child gets from outside (an operator, a supervisor, the kernel's OOM killer), never from its own bug. */
const EXTERNAL_SIGNALS: ReadonlySet<string> = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP']);

/** Starts one child with its libvips settings; messages use the advanced serialization (buffers travel as such). */
export function forkChild(settings: ChildSettings): ChildProcess {
  const entry = childEntry();
  return fork(entry.path, [JSON.stringify(settings)], {
    execArgv: entry.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/**
 * The child's entry next to this file: `child.js` in the build, `child.ts` when running from the sources (tsx,
 * vitest), which needs tsx's loader in the child too.
 */
function childEntry(): { path: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(fromSource ? './child.ts' : './child.js', import.meta.url));
  if (!fromSource) return { path, execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { path, execArgv: ['--import', tsx] };
}

/** Resident memory of a process from /proc (Linux); `undefined` where it cannot be read. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}

/** The error a request gets when its child died by itself: interrupted (retryable) when stopped from outside. */
export function diedError(budgetName: string, exitCode: number | null, signal: NodeJS.Signals | null): ThumbsmithError {
  if (signal !== null && EXTERNAL_SIGNALS.has(signal)) {
    return new ThumbsmithError(
      'TS_RENDER_INTERRUPTED',
      `${budgetName} was interrupted: its process was stopped from outside (${signal}).`,
    );
  }
  const how = signal ?? `exit code ${exitCode}`;
  return new ThumbsmithError('TS_RENDER_CRASHED', `${budgetName} crashed its process (${how}).`);
}
