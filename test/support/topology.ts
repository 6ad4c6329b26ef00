import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import sharp from 'sharp';
import { freePort } from './ports.js';
import { TEST_POSTGRES_URL } from './servers.js';
import type { ServiceProcess } from './service-process.js';
import { waitFor } from './wait.js';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database on the machine's server per test

export interface ScratchDatabase {
  name: string;
  url: string;
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `ts_topo_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => {});
  return {
    name,
    url: url.toString(),
    query: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
      (await pool.query<R>(text, values)).rows,
    async drop() {
      await pool.end();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL: a private cluster (never the shared one on 5432) that a test may crash and restart

export interface PrivatePostgres {
  port: number;
  /** The `postgres` database of the cluster (trust authentication on loopback). */
  url: string;
  /** Stops the server at once, without a checkpoint (`pg_ctl stop -m immediate`, like a crash): clients are cut. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (crash recovery first); resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * Makes a cluster with Debian's binaries (`/usr/lib/postgresql/<newest>/bin`: initdb, pg_ctl) in a temp directory
 * and starts it on a free loopback port. PostgreSQL refuses to run as root, so as root the cluster belongs to the
 * `postgres` user and the binaries run through `runuser`.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
  const bin = join('/usr/lib/postgresql', versions[0] ?? '', 'bin');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-postgres-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = await Promise.all(
      ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, 'postgres'])).stdout.trim())),
    );
    await chown(dir, uid!, gid!);
  }
  const pgTool = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const data = join(dir, 'data');
  await pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    await pgTool('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start']);
  };
  const kill = async () => {
    await pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    kill,
    start,
    async stop() {
      await kill().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Redis: a private redis-server (never the shared one on 6379) that a test may kill and restart

export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  pid(): number | undefined;
  /** Kills the server (SIGKILL by default: no shutdown save, like a crash). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and directory; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port with its own directory. `appendonly: true` persists every write to an
 * AOF in that directory (written before the reply, so a killed server loses nothing it acknowledged); `false` keeps
 * nothing across a restart.
 */
export async function startPrivateRedis(options: { appendonly: boolean }): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-redis-'));
  let child: ChildProcess | undefined;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    options.appendonly ? 'yes' : 'no',
    '--dir',
    dir,
    '--logfile',
    join(dir, 'redis.log'),
  ];
  const start = async () => {
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    child = started;
    const exited = new Promise<never>((_, reject) =>
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitFor('redis-server PING', () => pingRedis(port), { timeoutMs: 15_000 }), exited]);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child?.pid,
    kill,
    start,
    async stop() {
      await kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `true` once the server answers PING with PONG (not LOADING), `undefined` otherwise. */
function pingRedis(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    const done = (value: true | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') ? true : undefined));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// A TCP proxy in front of a dependency, so a test can take it away and give it back without touching the server

/** How the proxy mangles what the dependency answers, from the next connection on. */
export interface ProxyFault {
  /** Each chunk of the answer is held this long: a slow dependency that still answers. */
  delayMs?: number;
  /** The connection is reset (RST) once more than this many bytes of answer went through: a reset mid-body. */
  resetAfterBytes?: number;
}

export interface TcpProxy {
  port: number;
  /** Closes the listener and every open connection: new connections are refused, open ones reset. */
  cut(): Promise<void>;
  /** Applies `fault` to connections opened from now on (existing ones are cut, so clients reconnect); `{}` heals. */
  fault(fault: ProxyFault): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let current: ProxyFault = {};
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const listen = async (port: number) => {
    const next = createServer((client) => {
      const upstream = netConnect(target);
      track(client);
      track(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      const { delayMs = 0, resetAfterBytes } = current;
      if (delayMs === 0 && resetAfterBytes === undefined) {
        client.pipe(upstream).pipe(client);
        return;
      }
      client.pipe(upstream);
      let answered = 0;
      upstream.on('data', (chunk: Buffer) => {
        // Up to the reset point the answer goes through; the reset follows once those bytes had time to arrive.
        const allowed = resetAfterBytes === undefined ? chunk.length : Math.max(0, resetAfterBytes - answered);
        answered += chunk.length;
        const forward = () => {
          if (client.destroyed) return;
          if (allowed > 0) client.write(chunk.subarray(0, allowed));
          if (allowed < chunk.length) setTimeout(() => client.resetAndDestroy(), 100);
        };
        if (delayMs > 0) setTimeout(forward, delayMs);
        else forward();
      });
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    server = next;
    const address = next.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  };
  const cut = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  const port = await listen(0);
  return {
    port,
    cut,
    async fault(fault) {
      current = fault;
      for (const socket of sockets) socket.destroy();
    },
    async restore() {
      if (!server) await listen(port);
    },
    close: cut,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// S3 inspection

/** Every key under `prefix` in the bucket, as S3 names them (prefix included). */
export async function listS3Keys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1_000; page += 1) {
    const output = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of output.Contents ?? []) if (object.Key) keys.push(object.Key);
    if (!output.IsTruncated || !output.NextContinuationToken) return keys;
    token = output.NextContinuationToken;
  }
  throw new Error('listing did not end');
}

export async function s3ObjectBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!output.Body) throw new Error(`no body for ${key}`);
  return Buffer.from(await output.Body.transformToByteArray());
}

/** Runs `work` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Images

const FORMATS = ['jpeg', 'png', 'webp'] as const;

/**
 * Image number `n`: small (96–480 px), different in size, format and colours for every `n`, so no two uploads are
 * the same bytes and every one renders in milliseconds.
 */
export async function variedImage(n: number): Promise<Buffer> {
  const width = 96 + ((n * 37) % 385);
  const height = 96 + ((n * 53) % 385);
  const background = { r: (n * 7) % 256, g: (n * 13) % 256, b: (n * 29) % 256 };
  const patch = await sharp({
    create: { width: Math.max(8, width >> 1), height: Math.max(8, height >> 2), channels: 3, background: '#f0e040' },
  })
    .png()
    .toBuffer();
  const base = sharp({ create: { width, height, channels: 3, background } }).composite([
    { input: patch, left: n % (width >> 1), top: n % (height >> 1) },
  ]);
  const format = FORMATS[n % FORMATS.length];
  if (format === 'png') return base.png().toBuffer();
  if (format === 'webp') return base.webp({ quality: 80 }).toBuffer();
  return base.jpeg({ quality: 85 }).toBuffer();
}

/**
 * Reports a service process that exits while a test still needs it: its exit code or signal, the end of its stderr
 * and its last log lines go to the test output (otherwise a crash shows up only as "fetch failed" later).
 */
export function reportUnexpectedExit(name: string, service: ServiceProcess): { expectExit(): void } {
  let expected = false;
  let stderr = '';
  service.child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  service.child.once('exit', (code, signal) => {
    if (expected) return;
    const tail = service.logs.slice(-15).map((line) => JSON.stringify(line).slice(0, 600));
    process.stderr.write(
      `\n[${name}] exited unexpectedly (code ${code}, signal ${signal})\nstderr: ${stderr}\nlast logs:\n${tail.join('\n')}\n`,
    );
  });
  return {
    expectExit() {
      expected = true;
    },
  };
}
