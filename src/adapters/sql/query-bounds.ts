// Bounds every store applies to what callers ask for, before any SQL is written.

/** A caller's page size as a positive whole number, or 0 when it asks for nothing (the query is then skipped). */
export function rowLimit(limit: number): number {
  const count = Math.floor(limit);
  return count > 0 ? count : 0;
}

/** Bounded `in (...)` lists: SQLite allows 32766 parameters, Postgres 65535; 500 keeps statements small. */
export function* chunks<T>(items: readonly T[], size = 500): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
