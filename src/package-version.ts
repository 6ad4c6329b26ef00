import { createRequire } from 'node:module';

/** The package's version, for `thumbsmith --version` and `thumbsmith_info` (the same path works from src/ and dist/). */
export function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
