/**
 * `npm run bench`: builds the corpus when it is missing, measures the ceiling, then the service against it (same
 * corpus, same run). Arguments go to bench/ceiling.ts
 * (e.g. `npm run bench -- --quick`).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const steps: readonly (readonly string[])[] = [
  [join(benchDir, 'corpus.ts')],
  [join(benchDir, 'ceiling.ts'), ...process.argv.slice(2)],
  [join(benchDir, 'service.ts')],
];

for (const step of steps) {
  // Same node and tsx loader as this process; each step bounds its own work.
  const { status, signal } = spawnSync(process.execPath, [...process.execArgv, ...step], { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`${step[0]} ended with ${status ?? signal}`);
    process.exit(status ?? 1);
  }
}
