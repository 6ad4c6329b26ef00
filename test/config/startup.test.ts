import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../lifecycle/support.js';
import { freePort } from '../support/ports.js';
import { startService } from '../support/service-process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** Longest a command may take before it is killed (and its test fails): a bound, not a speed assertion. */
const COMMAND_BOUND_MS = 45_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Outcome {
  /** null when the process had to be killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `thumbsmith <args>` as a real process, as an operator runs it, with only the given environment. */
function thumbsmith(args: string[], env: Record<string, string>): Promise<Outcome> {
  return runCli(args, { HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, COMMAND_BOUND_MS);
}

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-startup-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A failed start as the brief wants it: exit 1, exactly one line on stderr, naming `name`, no stack trace. */
function expectOneLineNaming(outcome: Outcome, name: string): void {
  expect(outcome.code, outcome.stderr).toBe(1);
  const lines = outcome.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^thumbsmith: ${name}: `));
  expect(outcome.stderr).not.toMatch(/\n\s+at |Error:/);
}

/** Every server command line and the usage its `--help` prints. */
const SERVER_COMMANDS: Array<{ args: string[]; usage: string }> = [
  { args: ['start'], usage: 'Usage: thumbsmith start' },
  { args: ['api'], usage: 'Usage: thumbsmith api' },
  { args: ['worker'], usage: 'Usage: thumbsmith worker' },
  { args: ['migrate'], usage: 'Usage: thumbsmith migrate' },
  { args: ['sweep'], usage: 'Usage: thumbsmith sweep' },
  { args: ['reprocess'], usage: 'Usage: thumbsmith reprocess [--preset NAME]' },
  { args: ['keys'], usage: 'keys create --tenant NAME' },
  { args: ['keys', 'create'], usage: 'keys create --tenant NAME' },
  { args: ['keys', 'list'], usage: 'keys create --tenant NAME' },
  { args: ['keys', 'revoke'], usage: 'keys create --tenant NAME' },
];

describe('server command lines', () => {
  it.each(['--version', '-v', 'version'])('%s prints the package version', async (flag) => {
    const outcome = await thumbsmith([flag], {});
    expect(outcome).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.each([[], ['--help'], ['-h'], ['help']])('%j prints the overall usage', async (...args) => {
    const outcome = await thumbsmith(args, {});
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('thumbsmith <command>');
    for (const command of ['start', 'migrate', 'sweep', 'reprocess', 'keys', 'upload']) {
      expect(outcome.stdout).toContain(`  ${command}`);
    }
  });

  it('refuses an unknown command or option with exit status 2', async () => {
    for (const args of [['strat'], ['--verbose'], ['version', 'now']]) {
      const outcome = await thumbsmith(args, {});
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toContain('thumbsmith <command>');
    }
  });

  it.each(SERVER_COMMANDS)('$args --help prints its usage and touches nothing', async ({ args, usage }) => {
    const dataDir = join(await scratch(), 'data');
    // -h on one command in two: the same parser handles both spellings for every command.
    const outcome = await thumbsmith([...args, args.length % 2 === 0 ? '-h' : '--help'], { DATA_DIR: dataDir });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(usage);
    // No configuration-driven work: no data directory, no database file, no migration.
    expect(existsSync(dataDir)).toBe(false);
  });

  it.each(SERVER_COMMANDS)('$args with an unknown flag exits 2 with its usage on stderr', async ({ args, usage }) => {
    const dataDir = join(await scratch(), 'data');
    const outcome = await thumbsmith([...args, '--no-such-flag'], { DATA_DIR: dataDir });
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toContain('--no-such-flag');
    expect(outcome.stderr).toContain(usage);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses stray arguments and the flags it does not implement (sweep --dry-run) instead of running', async () => {
    const dataDir = join(await scratch(), 'data');
    for (const args of [
      ['sweep', '--dry-run'],
      ['migrate', 'now'],
      ['start', '8080'],
      ['reprocess', '--preset'],
      ['keys', 'rotate'],
      ['keys', 'create'],
      ['keys', 'create', '--tenant', 'Not A Tenant'],
      ['keys', 'list', '--tenant', 'acme'],
      ['keys', 'revoke', 'ts_a', 'ts_b'],
    ]) {
      const outcome = await thumbsmith(args, { DATA_DIR: dataDir });
      expect(outcome.code, `${args.join(' ')}: ${outcome.stderr}`).toBe(2);
      expect(outcome.stderr).toMatch(/^thumbsmith: /);
    }
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('start-up failures', () => {
  it.each([
    ['PORT', 'abc'],
    ['WORKER_CONCURRENCY', '-1'],
  ])('%s=%s: one line naming the variable, exit 1', async (name, value) => {
    const dataDir = join(await scratch(), 'data');
    const outcome = await thumbsmith(['start'], { DATA_DIR: dataDir, [name]: value });
    expectOneLineNaming(outcome, `invalid configuration: ${name}`);
    expect(existsSync(dataDir)).toBe(false);
  });

  // Tests run as root, whom permission bits do not stop: these places are unusable for everyone. /proc also made
  // Node's recursive mkdir spin forever.
  it.each([
    ['under a regular file', (file: string) => join(file, 'data')],
    ['a regular file', (file: string) => file],
    ['in /proc', () => '/proc/self/thumbsmith-data'],
  ])('DATA_DIR %s: one line naming DATA_DIR, exit 1, for start and migrate', async (_, dataDirOf) => {
    const file = join(await scratch(), 'a-file');
    await writeFile(file, 'not a directory');
    for (const command of ['start', 'migrate']) {
      const outcome = await thumbsmith([command], { DATA_DIR: dataDirOf(file), PORT: '0' });
      expectOneLineNaming(outcome, 'DATA_DIR');
    }
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('an unreachable database: one line naming DATABASE_URL, exit 1', async () => {
    const env = {
      DATA_DIR: join(await scratch(), 'data'),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/thumbsmith`,
      PORT: '0',
    };
    expectOneLineNaming(await thumbsmith(['start'], env), 'DATABASE_URL');
    expectOneLineNaming(await thumbsmith(['migrate'], env), 'DATABASE_URL');
  });

  it('an unreachable PostgreSQL queue: one line naming QUEUE_URL, exit 1', async () => {
    const env = {
      DATA_DIR: join(await scratch(), 'data'),
      QUEUE_URL: `postgres://postgres:pw@127.0.0.1:${await freePort()}/thumbsmith`,
      PORT: '0',
    };
    const outcome = await thumbsmith(['start'], env);
    expectOneLineNaming(outcome, 'QUEUE_URL');
    expect(outcome.stderr).not.toContain(':pw@');
  });

  it('a port already taken: one line naming PORT, exit 1, no worker started, nothing left listening', async () => {
    const taken: Server = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    const port = (taken.address() as { port: number }).port;
    const closeTaken = () => new Promise((closed) => taken.close(closed));
    cleanups.push(closeTaken);
    const dataDir = join(await scratch(), 'data');

    const outcome = await thumbsmith(['start'], { DATA_DIR: dataDir, PORT: String(port) });
    expectOneLineNaming(outcome, 'PORT');
    expect(outcome.stderr).toContain(`127.0.0.1:${port}`);

    // The worker never ran: it would have recorded a heartbeat once it reached the queue (no database: nothing ran).
    const databaseFile = join(dataDir, 'thumbsmith.db');
    if (existsSync(databaseFile)) {
      const database = new Database(databaseFile, { readonly: true });
      try {
        expect(database.prepare('select count(*) as n from worker_heartbeats').get()).toEqual({ n: 0 });
      } finally {
        database.close();
      }
    }
    // With our listener gone nothing answers on the port: the failed process holds no socket on it.
    await closeTaken();
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a second start on a running server’s port exits and never shows up in its /readyz', async () => {
    const first = await startService();
    cleanups.push(async () => {
      await first.stop();
      await rm(first.dataDir, { recursive: true, force: true });
    });
    const port = new URL(first.url).port;
    const heartbeatPids = async () => {
      const readiness = (await (await fetch(`${first.url}/readyz`)).json()) as { heartbeats?: Array<{ pid: number }> };
      return readiness.heartbeats?.map((beat) => beat.pid) ?? [];
    };
    await expect.poll(heartbeatPids, { timeout: 30_000 }).toEqual([first.child.pid]);

    const second = await thumbsmith(['start'], { DATA_DIR: first.dataDir, PORT: port });
    expectOneLineNaming(second, 'PORT');

    expect(await heartbeatPids()).toEqual([first.child.pid]);
  });
});

function connectTo(port: number): Promise<void> {
  return new Promise((connected, failed) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      connected();
    });
    socket.once('error', failed);
  });
}
