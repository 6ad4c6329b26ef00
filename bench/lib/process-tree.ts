/**
 * A process and its descendants, read from /proc: the service is its server process plus the imaging children it
 * forks (render isolation), so its CPU and memory are the tree's, not one process's.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** `pid` and every descendant alive now (children found by their parent pid). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(statFields(Number(entry))[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!) ?? []));
  return all;
}

/** The fields of /proc/<pid>/stat after the command name (state first). */
function statFields(pid: number, path = `/proc/${pid}/stat`): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system) in ms of one process (all its threads), or of one thread given its stat path. */
export function cpuMs(pid: number, statPath?: string): number {
  const fields = statFields(pid, statPath);
  // utime and stime; /proc counts 100 ticks per second.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A /proc/<pid>/status memory field (`VmRSS`, `VmHWM`) in MB; 0 for a process that is gone. */
export function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Proportional set size in MB (shared pages divided among the processes sharing them); 0 where unreadable. */
export function pssMb(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Sums `measure` over the tree of `pid`, skipping processes that end while it is read. */
export function treeSum(pid: number, measure: (member: number) => number): number {
  let sum = 0;
  for (const member of processTree(pid)) {
    try {
      sum += measure(member);
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}
