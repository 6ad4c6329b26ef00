import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../src/client/progress.js';
import { type LoopbackServer, startLoopbackServer } from '../fetcher/loopback-server.js';
import { type CliOptions, type CliRun, runCli } from '../support/cli.js';
import { createKey } from '../support/keys.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

interface Report {
  ok: boolean;
  error: { code: string | null; message: string; plain: string; nextStep: string | null } | null;
  interrupted: boolean;
  created: string[];
  summary: Record<string, number>;
  images: Array<{
    file: string;
    status: string;
    id: string | null;
    error: { code: string | null; plain: string; nextStep: string | null } | null;
    outputs: Array<{ preset: string; path: string }>;
  }>;
}

const runClient = (args: string[], options: Omit<CliOptions, 'via'>): Promise<CliRun> =>
  runCli(args, { ...options, via: 'client' });

/** The outcomes and skipped inputs add up to every input. */
function expectAccounted(report: Report, inputs: number): void {
  expect(report.summary.inputs).toBe(inputs);
  const counted = OUTCOMES.reduce((sum, outcome) => sum + (report.summary[outcome] ?? 0), 0);
  expect(counted + (report.summary.skipped ?? 0)).toBe(inputs);
  expect(report.images).toHaveLength(inputs - (report.summary.skipped ?? 0));
}

const NOISE = { width: 1000, height: 750, channels: 3 } as const;
let noise: Promise<Buffer> | undefined;

/**
 * A distinct photo-like JPEG: one noisy picture (made once: noise is slow to make and not quick to render) with a
 * small square placed by `seed`, so no two are the same bytes.
 */
async function noisyJpeg(seed: number): Promise<Buffer> {
  noise ??= sharp({
    create: { ...NOISE, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .raw()
    .toBuffer();
  const square = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ff0000' } })
    .png()
    .toBuffer();
  return sharp(await noise, { raw: NOISE })
    .composite([{ input: square, left: (seed * 16) % NOISE.width, top: Math.floor((seed * 16) / NOISE.width) * 16 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** Images in the batch (and a hidden one): enough to be mid-batch when three are done, few enough for a busy CI. */
const BATCH = 16;

describe('thumbsmith upload against a server that goes away', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'thumbsmith-cli-restart-'));
    await mkdir(join(work, 'batch'));
    for (let i = 0; i < BATCH; i++) {
      await writeFile(join(work, 'batch', `p${String(i).padStart(2, '0')}.jpg`), await noisyJpeg(i));
    }
    await writeFile(join(work, 'batch', '.hidden.jpg'), await noisyJpeg(99));
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('killed (SIGKILL) and restarted on the same port mid-batch: resumes, every input done and accounted for', async () => {
    // Short leases: a job the killed process held is delivered again soon after the restart.
    const env = { JOB_LEASE_MS: '1000', WORKER_CONCURRENCY: '1' };
    let service = await startService({ env });
    const { dataDir } = service;
    const port = new URL(service.url).port;
    let restarted: ServiceProcess | undefined;
    try {
      const killed = (async () => {
        // A few images in, the server dies without a word, then comes back on the same data and port.
        await waitFor('three images done', () => service.logs.filter((line) => line.msg === 'image done').length >= 3, {
          timeoutMs: 60_000,
        });
        await service.stop('SIGKILL');
        restarted = await startService({ dataDir, env: { ...env, PORT: port } });
      })();
      const run = await runClient(['upload', 'batch', '--out', 'thumbs', '--concurrency', '1', '--json'], {
        cwd: work,
        env: { THUMBSMITH_URL: service.url },
        timeoutMs: 300_000,
      });
      await killed;
      service = restarted!;
      // It was killed mid-batch, not after it.
      expect(service.logs.filter((line) => line.msg === 'image done').length).toBeGreaterThan(0);

      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as Report;
      expectAccounted(report, BATCH + 1);
      expect(report.summary).toMatchObject({ files: BATCH, done: BATCH, skipped: 1, unreachable: 0, unfinished: 0 });
      expect(report.images.every((image) => image.status === 'done' && image.outputs.length === 3)).toBe(true);
      expect(new Set(report.created).size).toBe(BATCH);
      // A retried upload makes no second image (Idempotency-Key), except the one the kill caught between storing it
      // and recording its key (concurrency 1: at most one).
      const listed = await fetch(`${service.url}/v1/images?limit=100`).then(
        (response) => response.json() as Promise<{ items: Array<{ id: string }> }>,
      );
      const ids = listed.items.map((item) => item.id);
      expect(report.created.every((id) => ids.includes(id))).toBe(true);
      expect(ids.length).toBeLessThanOrEqual(BATCH + 1);
      expect(await readdir(join(work, 'thumbs'))).toHaveLength(BATCH);
    } finally {
      await service.stop();
      await removeDataDir(dataDir);
    }
  }, 420_000);

  it('a server that stays away: uploaded images are "unfinished" with their id, the rest "unreachable"', async () => {
    const service = await startService({ env: { WORKER_CONCURRENCY: '1' } });
    try {
      const killed = (async () => {
        await waitFor(
          'two uploads accepted',
          () => service.logs.filter((line) => line.msg === 'upload accepted').length >= 2,
          {
            timeoutMs: 60_000,
          },
        );
        await service.stop('SIGKILL');
      })();
      const run = await runClient(['upload', 'batch', '--wait', '--concurrency', '1', '--timeout', '6', '--json'], {
        cwd: work,
        env: { THUMBSMITH_URL: service.url },
        timeoutMs: 90_000,
      });
      await killed;
      expect(run.code).toBe(3);
      const report = JSON.parse(run.stdout) as Report;
      expectAccounted(report, BATCH + 1);
      expect(report.error).toMatchObject({ nextStep: expect.stringContaining('--server (or THUMBSMITH_URL)') });
      // Uploaded ones (with an id) are never "unreachable": finished, or unknown with the id to check later.
      for (const image of report.images) {
        if (image.id) expect(['done', 'failed', 'unfinished']).toContain(image.status);
        else expect(image.status).toBe('unreachable');
      }
      const unfinished = report.images.filter((image) => image.status === 'unfinished');
      for (const image of unfinished)
        expect(image.error?.nextStep).toBe(`Check it later with \`thumbsmith status ${image.id}\`.`);
      expect(report.summary.unreachable).toBeGreaterThan(0);
      expect(report.summary.accepted).toBeGreaterThanOrEqual(1);
    } finally {
      await service.stop();
      await removeDataDir(service.dataDir);
    }
  }, 240_000);

  it('a refused key stops the run with the next step (--key / THUMBSMITH_KEY), in the lines and in --json', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'thumbsmith-cli-key-'));
    await createKey(dataDir, 'acme', 'upload,read');
    const service = await startService({ dataDir });
    try {
      const refused = await runClient(['upload', 'batch/p00.jpg', 'batch/p01.jpg'], {
        cwd: work,
        env: { THUMBSMITH_URL: service.url, THUMBSMITH_KEY: 'ts_wrongkey_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^thumbsmith: .*key.* Pass a valid API key with --key \(or THUMBSMITH_KEY\)/);
      expect(refused.stdout).toMatch(/^rejected +batch\/p00\.jpg +.*\(TS_UNAUTHORIZED\)/m);
      expect(refused.stdout).toMatch(/^2 files: 0 uploaded, 2 rejected · /m);

      const json = await runClient(['upload', 'batch/p00.jpg', '--json'], {
        cwd: work,
        env: { THUMBSMITH_URL: service.url },
      });
      expect(json.code).toBe(3);
      const report = JSON.parse(json.stdout) as Report;
      expect(report.error).toMatchObject({ code: 'TS_UNAUTHORIZED', nextStep: expect.stringContaining('--key') });
      expect(report.images).toMatchObject([{ status: 'rejected', error: { code: 'TS_UNAUTHORIZED' } }]);
    } finally {
      await service.stop();
      await removeDataDir(dataDir);
    }
  }, 240_000);
});

/** A server that accepts uploads and never finishes them: the CLI is interrupted while it waits. */
describe('Ctrl-C and servers that are not Thumbsmith', () => {
  let work: string;
  let stuck: LoopbackServer;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'thumbsmith-cli-sigint-'));
    for (let i = 0; i < 6; i++) await writeFile(join(work, `f${i}.jpg`), await noisyJpeg(i));
    let next = 0;
    stuck = await startLoopbackServer((req: IncomingMessage, res: ServerResponse) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/healthz') return json(200, { status: 'ok' });
      if (req.method === 'POST') return json(202, queued(`img_stuck${next++}`));
      const id = /^\/v1\/images\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? 'img_x';
      // A long poll that ends with the image still queued.
      setTimeout(() => json(200, queued(id)), 1000);
    });
  }, 120_000);

  afterAll(async () => {
    await stuck?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const uploads = () => stuck.received.filter((request) => request.method === 'POST').length;

  it('SIGINT stops at once, prints the ids created so far and exits 130', async () => {
    const before = uploads();
    const run = await runClient(['upload', '.', '--wait', '--concurrency', '1'], {
      cwd: work,
      env: { THUMBSMITH_URL: stuck.origin },
      interruptWhen: () => uploads() >= before + 2,
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(130);
    const created = /^Interrupted\. Images created so far: (\d+): (.*)$/m.exec(run.stdout);
    expect(created, run.stdout).not.toBeNull();
    const ids = created![2]!.split(' ');
    expect(ids.length).toBe(Number(created![1]));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(ids.every((id) => id.startsWith('img_stuck'))).toBe(true);
    expect(run.stdout).toMatch(/^6 files: 0 done, \d+ interrupted · /m);
    expect(run.stdout).toMatch(/^interrupted +f\d\.jpg +img_stuck\d+ +Interrupted \(Ctrl-C\)\./m);
  });

  it('SIGINT with --json: a partial report, every input accounted for', async () => {
    const before = uploads();
    const run = await runClient(['upload', '.', '--wait', '--concurrency', '1', '--json'], {
      cwd: work,
      env: { THUMBSMITH_URL: stuck.origin },
      interruptWhen: () => uploads() >= before + 1,
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(130);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.interrupted).toBe(true);
    expectAccounted(report, 6);
    expect(report.summary.interrupted).toBe(6);
    expect(report.created.length).toBeGreaterThanOrEqual(1);
    expect(report.images.filter((image) => image.id !== null).map((image) => image.id)).toEqual(report.created);
  });

  it('a server answering garbage: a clear error with the next step, no input lost, at once', async () => {
    const garbage = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
    });
    try {
      const run = await runClient(['upload', 'f0.jpg', 'f1.jpg', '--json'], {
        cwd: work,
        env: { THUMBSMITH_URL: garbage.origin },
        timeoutMs: 20_000,
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        "thumbsmith: The server's answer was not understood (not JSON). Check that --server (or THUMBSMITH_URL) is the address of a Thumbsmith server.\n",
      );
      const report = JSON.parse(run.stdout) as Report;
      expectAccounted(report, 2);
      expect(report.summary.unreachable).toBe(2);
      expect(report.error).toMatchObject({ code: 'CLI_NOT_THUMBSMITH' });
    } finally {
      await garbage.close();
    }
  });

  it('JSON that is not an image (a server that only looks healthy): the run stops with the same next step', async () => {
    const lookalike = await startLoopbackServer((req, res) => {
      const body = req.url === '/healthz' ? { status: 'ok' } : { hello: 'world' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    try {
      const run = await runClient(['upload', 'f0.jpg', 'f1.jpg', 'f2.jpg'], {
        cwd: work,
        env: { THUMBSMITH_URL: lookalike.origin },
        timeoutMs: 20_000,
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('is the address of a Thumbsmith server');
      expect(run.stdout).toMatch(/^3 files: 0 uploaded, 3 unreachable · /m);
    } finally {
      await lookalike.close();
    }
  });

  it('a server that accepts connections and never answers: a clear error in bounded time', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const run = await runClient(['status', 'img_a', 'img_b'], {
        cwd: work,
        env: { THUMBSMITH_URL: `http://127.0.0.1:${port}` },
        timeoutMs: 20_000,
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `thumbsmith: cannot reach http://127.0.0.1:${port} (no answer in time). Check that the server is running and that --server (or THUMBSMITH_URL) is its address.\n`,
      );
      expect(run.stdout).toMatch(/^img_a +error +Could not reach the server \(no answer in time\)\.$/m);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

function queued(id: string) {
  return {
    id,
    status: 'queued',
    original: null,
    sourceUrl: null,
    variants: [],
    error: null,
    attempts: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    completedAt: null,
    links: { self: `/v1/images/${id}`, thumbnails: {} },
  };
}
