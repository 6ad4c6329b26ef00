import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll } from 'vitest';
import { type CliRun, runCli as runThumbsmith } from '../support/cli.js';
import { startS3Server } from '../support/s3-server.js';
import { TEST_REDIS_URL } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { createScratchDatabase } from '../support/topology.js';

/** A small JPEG whose bytes (and so SHA-256) depend on `seed`. */
export function jpeg(seed: number, width = 320, height = 240): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 } },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** A PNG that takes a while to render (no shrink-on-load for PNG): keeps an image `processing` for a moment. */
export function slowPng(seed = 0, size = 5000): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: seed % 256, g: 80, b: 160 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Every file under `dir`, as paths relative to it (sorted); none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** Runs `thumbsmith <args>` from the repository root, logging JSON at `warn` (bounded). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return runThumbsmith(args, { env: { LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env }, timeoutMs });
}

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads a Server-Sent Events stream until it ends, `stop` says enough, or `timeoutMs` passes (then it throws, with
 * what it got). Resolves with the events, whether the server ended the stream, and the answer's headers.
 */
export async function readSse(
  url: string,
  options: {
    stop?: (events: SseEvent[]) => boolean;
    timeoutMs?: number;
    onOpen?: () => void;
    headers?: Record<string, string>;
  } = {},
): Promise<{ events: SseEvent[]; ended: boolean; contentType: string | null; headers: Headers }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('SSE timeout')), options.timeoutMs ?? 30_000);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, {
      signal: controller.signal,
      headers: { accept: 'text/event-stream', ...options.headers },
    });
    if (response.status !== 200 || !response.body) throw new Error(`SSE answered ${response.status}`);
    options.onOpen?.();
    const decoder = new TextDecoder();
    let buffered = '';
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done)
        return { events, ended: true, contentType: response.headers.get('content-type'), headers: response.headers };
      buffered += decoder.decode(value, { stream: true });
      let split = buffered.indexOf('\n\n');
      while (split >= 0) {
        const block = buffered.slice(0, split);
        buffered = buffered.slice(split + 2);
        const event: SseEvent = { id: undefined, event: 'message', data: '' };
        let isEvent = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          // A line without a colon is a field with an empty value (`id` alone clears the id).
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') event.id = value;
          if (field === 'event') event.event = value;
          if (field === 'data') event.data += value;
          isEvent = true;
        }
        if (isEvent) events.push(event);
        split = buffered.indexOf('\n\n');
      }
      if (options.stop?.(events)) {
        controller.abort();
        return { events, ended: false, contentType: response.headers.get('content-type'), headers: response.headers };
      }
    }
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error) {
      throw new Error(`${controller.signal.reason.message}; events so far: ${JSON.stringify(events)}`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

export interface ReceivedWebhook {
  /** The request target as received: path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** An HTTP receiver on 127.0.0.1 that answers 500 to its first `failFirst` requests, then 204. */
export async function startReceiver(failFirst: number) {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    // Whole bytes, decoded once: a signature covers the exact body, and a chunk may end inside a character.
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const answered = received.length < failFirst ? 500 : 204;
      received.push({ url: request.url ?? '', headers: request.headers, body, answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/hooks/thumbsmith`,
    received,
    close: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
}

/** Postgres (a scratch database), Redis (a private key prefix) and s3rver: the scale-out configuration as env. */
export async function startScaleOut() {
  const database = await createScratchDatabase();
  const s3 = await startS3Server();
  const prefix = `tslc${randomBytes(4).toString('hex')}`;
  return {
    database,
    s3,
    prefix,
    env: {
      DATABASE_URL: database.url,
      QUEUE_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      STORAGE_URL: `s3://${s3.bucket}/${prefix}`,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_REGION: s3.region,
    },
    async stop() {
      await s3.stop();
      await database.drop();
    },
  };
}

/** Temp data directories, removed after the calling file's tests; call at the top level of a test file. */
export function tempDataDirs(): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await removeDataDir(dir);
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'thumbsmith-lifecycle-'));
    dirs.push(dir);
    return dir;
  };
}

/** Runs `use` against a service started with `options`, stopping the service afterwards whatever happens. */
export async function withService<T>(
  options: Parameters<typeof startService>[0],
  use: (service: ServiceProcess) => Promise<T>,
): Promise<T> {
  const service = await startService(options);
  try {
    return await use(service);
  } finally {
    await service.stop();
  }
}
