import { settleWithin } from './timeout.js';

/** What Closers needs of a logger (pino's shape), so this module imports nothing of ours. */
export interface CloseLogger {
  error(fields: object, message: string): void;
}

/**
 * Longest wait for one resource to close. A client whose connection died without a reset (a Postgres connection cut
 * by the network mid-query: pg's pool.end() waits for it forever) must not keep a stopping process alive.
 */
export const CLOSE_TIMEOUT_MS = 5000;

/**
 * The resources a process opened, closed in reverse order of opening (a consumer before what it consumes), each
 * within CLOSE_TIMEOUT_MS: a failure or a timeout is logged and the next one is closed anyway.
 */
export class Closers {
  readonly #resources: Array<{ name: string; close: () => Promise<unknown> | unknown }> = [];
  readonly #logger: CloseLogger;

  constructor(logger: CloseLogger) {
    this.#logger = logger;
  }

  add(name: string, close: () => Promise<unknown> | unknown): void {
    this.#resources.push({ name, close });
  }

  /** Closes everything added so far, newest first; never throws. */
  async closeAll(): Promise<void> {
    for (const { name, close } of this.#resources.splice(0).reverse()) {
      const closed = (async () => close())().catch((error: unknown) => {
        this.#logger.error({ err: error, resource: name }, 'close failed');
      });
      if (!(await settleWithin(closed, CLOSE_TIMEOUT_MS))) {
        this.#logger.error({ resource: name, timeoutMs: CLOSE_TIMEOUT_MS }, 'close timed out; going on');
      }
    }
  }
}

/** What every backend opener takes besides its configuration section. */
export interface OpenContext {
  logger: CloseLogger & { warn(fields: object, message: string): void };
  closers: Closers;
}
