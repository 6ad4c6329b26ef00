import { AsyncLocalStorage } from 'node:async_hooks';

/** The ids that tie the log lines of one request or one job together. */
export interface LogFields {
  reqId?: string;
  imageId?: string;
  jobId?: string;
  attempt?: number;
}

const storage = new AsyncLocalStorage<LogFields>();

/**
 * Runs `fn` with `fields` added to every log line written inside it (the logger's mixin reads them).
 * `fresh` starts from no fields instead of the caller's: a job must not inherit the ids of the request whose enqueue
 * happened to wake the worker in the same process.
 */
export function withLogFields<T>(fields: LogFields, fn: () => T, options: { fresh?: boolean } = {}): T {
  const inherited = options.fresh ? undefined : storage.getStore();
  return storage.run({ ...inherited, ...fields }, fn);
}

/** Adds fields to the current request's or job's lines from now on (e.g. the image id once it is known). */
export function addLogFields(fields: LogFields): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}

export function currentLogFields(): Readonly<LogFields> | undefined {
  return storage.getStore();
}
