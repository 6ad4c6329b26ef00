import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** `thumbsmith keys <args>` as a child process on `dataDir`'s database, as an operator would run it. */
export async function keysCli(dataDir: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'keys', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  });
}

/** A new key for `tenant` with `scopes` (comma-separated), as `keys create` shows it once; throws when malformed. */
export async function createKey(dataDir: string, tenant: string, scopes: string): Promise<string> {
  const { stdout } = await keysCli(
    dataDir,
    'create',
    '--tenant',
    tenant,
    '--scopes',
    scopes,
    '--name',
    `${tenant}-${scopes}`,
  );
  const key = stdout.split('\n')[0] ?? '';
  if (!/^ts_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/.test(key)) throw new Error(`keys create printed no key: ${stdout}`);
  return key;
}
