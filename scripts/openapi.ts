// The API document and the client types generated from it, kept in the repository and checked in CI:
//   npx tsx scripts/openapi.ts          writes docs/openapi.json (from the app itself) and src/sdk/schema.ts
//   npx tsx scripts/openapi.ts --check  fails when either is stale, then lints the document (Redocly, recommended)
// The generator and the linter live in tools/openapi (their own lockfile): openapi-typescript needs TypeScript 5's
// compiler API, which the project's TypeScript 7 does not have.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compose } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';
import { buildRoleApp } from '../src/server.js';
import { createLogger } from '../src/telemetry/logger.js';

const DOCUMENT = 'docs/openapi.json';
const SCHEMA = 'src/sdk/schema.ts';
const REDOCLY = 'tools/openapi/node_modules/.bin/redocly';

/** The document the API serves at /docs/json on the default configuration. */
async function servedDocument(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'thumbsmith-openapi-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', SWEEP_INTERVAL_MS: '0' });
    const runtime = await compose(config, createLogger(config.log));
    try {
      const app = await buildRoleApp(runtime, 'api');
      await app.ready();
      const document = app.swagger();
      await app.close();
      return `${JSON.stringify(document, null, 2)}\n`;
    } finally {
      await runtime.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** openapi-typescript's output for `documentPath`, with a header saying where it comes from. */
function generatedSchema(documentPath: string): string {
  const types = execFileSync(process.execPath, ['tools/openapi/generate.mjs', documentPath], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return `// Generated from ${DOCUMENT} by \`npx tsx scripts/openapi.ts\` (openapi-typescript). Do not edit.\n${types}`;
}

async function stale(path: string, expected: string): Promise<boolean> {
  const actual = await readFile(path, 'utf8').catch(() => '');
  return actual !== expected;
}

const check = process.argv.includes('--check');
const document = await servedDocument();
if (!check) {
  await writeFile(DOCUMENT, document);
  await writeFile(SCHEMA, generatedSchema(DOCUMENT));
  process.stdout.write(`wrote ${DOCUMENT} and ${SCHEMA}\n`);
} else {
  const problems: string[] = [];
  if (await stale(DOCUMENT, document)) problems.push(`${DOCUMENT} differs from the document the app serves`);
  else if (await stale(SCHEMA, generatedSchema(DOCUMENT))) problems.push(`${SCHEMA} is not generated from ${DOCUMENT}`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\nRun: npx tsx scripts/openapi.ts\n`);
    process.exit(1);
  }
  execFileSync(REDOCLY, ['lint', DOCUMENT, '--format', 'stylish'], { stdio: 'inherit' });
}
