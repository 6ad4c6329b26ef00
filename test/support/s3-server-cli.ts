/**
 * Starts one s3rver for tests that run in another process and prints one JSON line on stdout:
 * `{"endpoint":"http://127.0.0.1:PORT","bucket":"…","region":"…","accessKeyId":"…","secretAccessKey":"…"}`.
 * Runs until SIGTERM or SIGINT, or until its parent process goes away, then stops the server and removes its files.
 *
 * Run it as one process (so a signal reaches it): `node --import tsx test/support/s3-server-cli.ts`.
 */
import { startS3Server } from './s3-server.js';

const PARENT_POLL_MS = 1000;

const server = await startS3Server();
const parent = process.ppid;
let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(orphanCheck);
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}

// A parent killed with SIGKILL sends no signal; re-parenting shows it, so the server never outlives its test run.
const orphanCheck = setInterval(() => {
  if (process.ppid !== parent) void stop();
}, PARENT_POLL_MS);

process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

process.stdout.write(
  `${JSON.stringify({
    endpoint: server.endpoint,
    bucket: server.bucket,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
  })}\n`,
);
