import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Busy CPU time of the whole machine so far, in ms (user + nice + system + irq + softirq + steal from /proc/stat). */
export function machineBusyMs(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  // /proc/stat counts in USER_HZ ticks, 100 per second on Linux.
  return (user + nice + system + irq + softirq + steal) * 10;
}

/**
 * Waits until the machine is nearly idle (other processes use at most `share` of all cores over a short sample), for
 * at most `maxWaitMs`. Returns the share seen last, so a caller can record that it ran on a busy machine.
 */
export async function waitForQuiet(share = 0.1, maxWaitMs = 30_000, sampleMs = 500): Promise<number> {
  const cores = availableParallelism();
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const before = machineBusyMs();
    await sleep(sampleMs);
    const seen = (machineBusyMs() - before) / (sampleMs * cores);
    if (seen <= share || Date.now() >= deadline) return Math.round(seen * 100) / 100;
  }
}
