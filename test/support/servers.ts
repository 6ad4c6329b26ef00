/** Where the real servers the tests talk to are; `.ci/run` starts them on loopback. */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Adapters a run covers, e.g. `ADAPTERS=sqlite,fs` for a quick run without servers. Default: all. */
export function adapterEnabled(name: string): boolean {
  const list = process.env.ADAPTERS;
  if (!list) return true;
  return list
    .split(',')
    .map((s) => s.trim())
    .includes(name);
}
