import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** @defaultValue 15_000 */
  timeoutMs?: number;
  /** @defaultValue 20 */
  intervalMs?: number;
}

/** What a check answers while the awaited thing has not happened yet. */
type NotYet = undefined | false;

/**
 * Polls `check` until it answers something other than `undefined` or `false`, and returns that answer. A check
 * that throws counts as "not yet"; when the time runs out the error names `what` and the last thrown error.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | NotYet | Promise<T | NotYet>,
  options: WaitOptions = {},
): Promise<Exclude<T, NotYet>> {
  const { timeoutMs = 15_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const answer = await check();
      if (answer !== undefined && answer !== false) return answer as Exclude<T, NotYet>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}

/**
 * Lets `ms` pass so that the expectations (or measurements) after it prove that something did NOT happen in that
 * time: no second delivery, no claim by a stopped consumer, no CPU burnt by work that should have stopped. Not for
 * waiting until something happens: use `waitFor` for that.
 */
export function quietPeriod(ms: number): Promise<void> {
  return sleep(ms);
}
