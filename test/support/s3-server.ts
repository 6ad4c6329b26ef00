import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/s3-client.js';

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  region: string;
  /** s3rver accepts any credentials; these are what `client` uses. */
  accessKeyId: string;
  secretAccessKey: string;
  /** A client for the server (path style, WHEN_REQUIRED checksums); destroyed by `stop`. */
  client: S3Client;
  /** PID of the s3rver process. */
  pid: number;
  stop(): Promise<void>;
}

const BUCKET = 'thumbsmith-test';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * s3rver runs in its own Node process, for two reasons found the hard way:
 * - it makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers with `--openssl-legacy-provider`
 *   (without it, the second page of a listing answers 500);
 * - it throws some file-system errors (e.g. ENAMETOOLONG) as uncaught exceptions, which would kill a test worker.
 * The child stops (and removes its directory) when its stdin closes, so it never outlives the process that started it.
 */
const CHILD_SCRIPT = `
const [s3rverPath, directory, bucket] = process.argv.slice(1);
const S3rver = require(s3rverPath);
process.on('uncaughtException', (error) => process.stderr.write('s3rver: ' + (error && error.stack || error) + '\\n'));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const exit = () => {
    require('node:fs').rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  };
  server.close().catch(() => undefined).finally(exit);
  setTimeout(exit, 3000).unref();
};
process.stdin.on('end', stop).on('error', stop).resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'),
  (error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exit(1); },
);
`;

/** Starts s3rver 3.7 on a free loopback port, storing in a fresh temp directory, with one bucket and no request logs. */
export async function startS3Server(): Promise<S3TestServer> {
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const directory = await mkdtemp(path.join(os.tmpdir(), 'thumbsmith-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD_SCRIPT, s3rverPath, directory, BUCKET],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let port: number;
  try {
    port = await readPort(child);
  } catch (error) {
    await stopChild(child);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  // Anything s3rver reports from now on (uncaught errors) belongs in the test output.
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  // A test that forgets stop() must not keep its process alive; the child then ends with our stdin pipe.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) unrefStream(stream);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3ClientFor(endpoint);
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    bucket: BUCKET,
    region: REGION,
    ...CREDENTIALS,
    client,
    pid: child.pid ?? -1,
    stop: () => {
      stopped ??= (async () => {
        client.destroy();
        await stopChild(child);
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** A fresh client for a test server (or any endpoint, e.g. a dead one), configured like production's. */
export function s3ClientFor(
  endpoint: string,
  timeouts: { connectionTimeoutMs?: number; requestTimeoutMs?: number } = {},
): S3Client {
  return createS3Client({ endpoint, region: REGION, forcePathStyle: true, ...CREDENTIALS, ...timeouts });
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      cleanup();
      const { port } = JSON.parse(stdout.slice(0, newline)) as { port: number };
      resolve(port);
    };
    const onStderr = (chunk: Buffer) => {
      stderr += chunk.toString();
    };
    const onExit = (code: number | null) =>
      fail(new Error(`s3rver exited with code ${code} before listening: ${stderr}`));
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      child.stderr?.off('data', onStderr);
      child.off('exit', onExit);
      child.off('error', fail);
    };
    child.stdout?.on('data', onStdout);
    child.stderr?.on('data', onStderr);
    child.once('exit', onExit);
    child.once('error', fail);
  });
}

/** SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.ref(); // keep this process alive until the child is gone
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function unrefStream(stream: unknown): void {
  const handle = stream as { unref?: () => void } | null;
  handle?.unref?.();
}
