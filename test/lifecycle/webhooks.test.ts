import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli-args.js';
import { parseWebhooksArgs } from '../../src/commands/webhooks.js';
import { generateWebhookSecret } from '../../src/domain/webhook-secrets.js';
import { type ImageJson, upload, uploadOk, waitForFinal } from '../support/http.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { jpeg, type ReceivedWebhook, runCli, startReceiver } from './support.js';
import { headersOf, signaturesOf, verifies } from './webhook-verify.js';

const SECRET = generateWebhookSecret();
const ROOT = resolve(import.meta.dirname, '../..');
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let service: ServiceProcess;

beforeAll(async () => {
  // The receiver fails the first two deliveries of everything it gets.
  receiver = await startReceiver(2);
  service = await startService({
    env: {
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      JOB_BACKOFF_MS: '100',
      JOB_BACKOFF_MAX_MS: '300',
      WORKER_CONCURRENCY: '2',
    },
  });
});
afterAll(async () => {
  await service?.stop();
  if (service) await removeDataDir(service.dataDir);
  await receiver?.close();
});

async function uploadWithCallback(bytes: Buffer, callbackUrl: string): Promise<Response> {
  const form = new FormData();
  // The field after the file: parts are read in any order.
  form.append('file', new Blob([bytes]), 'a.jpg');
  form.append('callback_url', callbackUrl);
  return fetch(`${service.url}/v1/images`, { method: 'POST', body: form });
}

/** Uploads with a callback to `receiver` and returns the image's accepted delivery (after any refused ones). */
async function deliveredFor(bytes: Buffer, callbackUrl = receiver.url): Promise<ReceivedWebhook> {
  const response = await uploadWithCallback(bytes, callbackUrl);
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as ImageJson;
  const accepted = () => receiver.received.find((r) => r.body.includes(id) && r.answered === 204);
  await waitFor('a successful delivery', () => accepted() !== undefined, { timeoutMs: 30_000 });
  return accepted()!;
}

/** `thumbsmith webhooks secret …` on the service's database; the secret printed first, when one is. */
async function secretCli(...args: string[]) {
  const result = await runCli(['webhooks', 'secret', ...args], { DATA_DIR: service.dataDir });
  return { ...result, secret: /^whsec_\S+/.exec(result.stdout)?.[0] };
}

describe('webhooks: Standard Webhooks, retried with backoff, at least once with a stable webhook-id', () => {
  it('delivers image.done to the callback_url after two failed attempts, each verifiable, one webhook-id', async () => {
    const response = await uploadWithCallback(await jpeg(20), receiver.url);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as ImageJson;
    const forImage = () => receiver.received.filter((r) => r.body.includes(id));
    await waitFor('a successful delivery', () => forImage().some((r) => r.answered === 204), { timeoutMs: 30_000 });
    const deliveries = forImage();
    expect(deliveries.map((d) => d.answered)).toStrictEqual([500, 500, 204]);
    const ids = new Set(deliveries.map((d) => d.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^evt_[0-9a-f]{32}$/);
    for (const delivery of deliveries) {
      const body = JSON.parse(delivery.body) as { type: string; timestamp: string; data: ImageJson };
      expect(Object.keys(body)).toStrictEqual(['type', 'timestamp', 'data']);
      expect(body.type).toBe('image.done');
      expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
      expect(body.data.id).toBe(id);
      expect(body.data.status).toBe('done');
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
      expect(Object.keys(delivery.headers).filter((name) => name.startsWith('thumbsmith-'))).toStrictEqual([]);
      expect(signaturesOf(delivery)).toHaveLength(1);
      expect(verifies(SECRET, delivery)).toBe(true);
      expect(verifies(generateWebhookSecret(), delivery)).toBe(false);
      expect(verifies(SECRET, delivery, { body: delivery.body.replace('"done"', '"failed"') })).toBe(false);
      expect(verifies(SECRET, delivery, { headers: { 'webhook-id': 'evt_0' } })).toBe(false);
      const timestamp = Number(delivery.headers['webhook-timestamp']);
      expect(verifies(SECRET, delivery, { headers: { 'webhook-timestamp': String(timestamp + 1) } })).toBe(false);
    }
  });

  it("a callback_url's query and odd characters reach the receiver's URL, never the webhook-* headers", async () => {
    const forged = new URLSearchParams({
      'webhook-id': 'evt_forged',
      'webhook-signature': 'v1,Zm9yZ2Vk',
      'webhook-timestamp': '1',
      crlf: '\r\nwebhook-id: evt_injected',
    });
    const callback = `${receiver.url}?${forged}`;
    const delivery = await deliveredFor(await jpeg(25), callback);
    expect(delivery.url).toBe(new URL(callback).pathname + new URL(callback).search);
    expect(delivery.headers['webhook-id']).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(delivery.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(signaturesOf(delivery)).toHaveLength(1);
    expect(verifies(SECRET, delivery)).toBe(true);
    expect(JSON.stringify(delivery.headers)).not.toContain('forged');
    expect(JSON.stringify(delivery.headers)).not.toContain('injected');
  });

  it("a tenant's own secret replaces WEBHOOK_SECRET; a rotation signs with both during the grace, then the new alone", async () => {
    // Uploads without API keys belong to tenant `default`.
    const created = await secretCli('create', '--tenant', 'default');
    expect(created.code).toBe(0);
    const first = created.secret!;
    expect(created.stdout).toMatch(/only time the secret is shown/);
    const own = await deliveredFor(await jpeg(30));
    expect(signaturesOf(own)).toHaveLength(1);
    expect(verifies(first, own)).toBe(true);
    expect(verifies(SECRET, own)).toBe(false);

    const rotated = await secretCli('rotate', '--tenant', 'default', '--grace', '1h');
    expect(rotated.code).toBe(0);
    const second = rotated.secret!;
    expect(rotated.stdout).toMatch(/keeps signing until .*both signatures/);
    const during = await deliveredFor(await jpeg(31));
    expect(signaturesOf(during)).toHaveLength(2);
    expect(verifies(first, during)).toBe(true);
    expect(verifies(second, during)).toBe(true);

    // A short grace this time: both earlier secrets stop signing a second from now.
    const third = (await secretCli('rotate', '--tenant', 'default', '--grace', '1s')).secret!;
    await waitFor(
      'both earlier secrets to expire',
      async () => ((await secretCli('list', '--tenant', 'default')).stdout.match(/ expired /g) ?? []).length === 2,
      { timeoutMs: 30_000 },
    );
    const listed = (await secretCli('list', '--tenant', 'default')).stdout;
    expect(listed).not.toContain('whsec_');
    expect(listed.trim().split('\n')).toHaveLength(4);
    const after = await deliveredFor(await jpeg(32));
    expect(signaturesOf(after)).toHaveLength(1);
    expect(verifies(third, after)).toBe(true);
    expect(verifies(second, after)).toBe(false);
    expect(verifies(first, after)).toBe(false);
  });

  it.runIf(hasPython())(
    "the README's standard-library Python verifier accepts a real delivery, refuses a tampered one",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ts-pyverify-'));
      const snippet = join(dir, 'verifier.py');
      await writeFile(snippet, readmePythonVerifier(await readFile(join(ROOT, 'README.md'), 'utf8')));
      // The tenant's current secret (the previous test) and an unrelated one: any one verifying is enough.
      const current = (await secretCli('rotate', '--tenant', 'default', '--grace', '0s')).secret!;
      const python = await startPythonReceiver(snippet, [generateWebhookSecret(), current]);
      try {
        const response = await uploadWithCallback(await jpeg(40), python.url);
        expect(response.status).toBe(202);
        await waitFor('the Python receiver to verify a delivery', () => python.lines.some((line) => line.verified), {
          timeoutMs: 30_000,
        });
        // The first attempt verified: nothing was refused before it.
        expect(python.lines).toHaveLength(1);
        expect(python.lines[0]!.id).toMatch(/^evt_[0-9a-f]{32}$/);
        // The same delivery replayed with one change each: refused.
        const genuine = receiverCopy(await deliveredFor(await jpeg(41)));
        for (const tampered of [
          { ...genuine, body: genuine.body.replace('"done"', '"failed"') },
          { ...genuine, body: `${genuine.body} ` },
          { ...genuine, headers: { ...genuine.headers, 'webhook-id': 'evt_other' } },
          { ...genuine, headers: { ...genuine.headers, 'webhook-timestamp': '1' } },
          { ...genuine, headers: { ...genuine.headers, 'webhook-signature': 'v1,AAAA' } },
        ]) {
          const answer = await fetch(python.url, { method: 'POST', headers: tampered.headers, body: tampered.body });
          expect(answer.status).toBe(401);
        }
        const replayed = await fetch(python.url, { method: 'POST', headers: genuine.headers, body: genuine.body });
        expect(replayed.status).toBe(204);
      } finally {
        python.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('400 TS_INVALID_CALLBACK_URL for other schemes, credentials and garbage; nothing stored', async () => {
    const bytes = await jpeg(21);
    const count = async () =>
      ((await (await fetch(`${service.url}/v1/images?limit=100`)).json()) as { items: ImageJson[] }).items.length;
    const before = await count();
    for (const url of ['ftp://example.com/x', 'https://user:pw@example.com/hook', 'not a url', 'http://10.0.0.1/x']) {
      const response = await uploadWithCallback(bytes, url);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('TS_INVALID_CALLBACK_URL');
    }
    expect(await count()).toBe(before);
  });

  it('a callback on loopback is refused when WEBHOOK_ALLOW_LOOPBACK is off (the default)', async () => {
    const strict = await startService();
    try {
      const form = new FormData();
      form.append('callback_url', 'http://127.0.0.1:9/hook');
      form.append('file', new Blob([await jpeg(22)]), 'a.jpg');
      const response = await fetch(`${strict.url}/v1/images`, { method: 'POST', body: form });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('TS_INVALID_CALLBACK_URL');
    } finally {
      await strict.stop();
      await removeDataDir(strict.dataDir);
    }
  });

  it('WEBHOOK_URL receives image.failed for every image, signed with WEBHOOK_SECRET', async () => {
    const global = await startReceiver(0);
    const failing = await startService({
      env: { WEBHOOK_URL: global.url, WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_LOOPBACK: 'true' },
    });
    try {
      // A PNG cut inside its pixel data: the header probes fine, decoding fails, whatever the machine's speed.
      const png = await sharp({
        create: {
          width: 400,
          height: 400,
          channels: 3,
          background: '#808080',
          noise: { type: 'gaussian', mean: 128, sigma: 50 },
        },
      })
        .png()
        .toBuffer();
      const { id } = await uploadOk(failing.url, png.subarray(0, Math.floor(png.length * 0.6)), 'cut.png');
      expect((await waitForFinal(failing.url, id, 60_000)).status).toBe('failed');
      await waitFor('a delivery to WEBHOOK_URL', () => global.received.some((r) => r.body.includes(id)), {
        timeoutMs: 30_000,
      });
      const delivery = global.received.find((r) => r.body.includes(id))!;
      expect(verifies(SECRET, delivery)).toBe(true);
      const body = JSON.parse(delivery.body) as { type: string; data: ImageJson };
      expect(body.type).toBe('image.failed');
      expect(body.data.error?.code).toBe('TS_IMAGE_CORRUPT');
    } finally {
      await failing.stop();
      await removeDataDir(failing.dataDir);
      await global.close();
    }
  });

  it('an upload without the field `file` is still TS_FILE_MISSING, whatever other fields it has', async () => {
    const form = new FormData();
    form.append('callback_url', receiver.url);
    const response = await fetch(`${service.url}/v1/images`, { method: 'POST', body: form });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('TS_FILE_MISSING');
    expect((await upload(service.url, await jpeg(24), { field: 'image' })).status).toBe(400);
  });
});

describe('thumbsmith webhooks secret: hostile arguments are usage errors that open nothing', () => {
  it.each([
    [['secret', 'create'], /--tenant NAME is required/],
    [['secret', 'create', '--tenant', 'Acme'], /--tenant NAME is required/],
    [['secret', 'create', '--tenant', 'a b'], /--tenant NAME is required/],
    [['secret', 'create', '--tenant=-x'], /--tenant NAME is required/],
    [['secret', 'create', '--tenant', '-x'], /--tenant/],
    [['secret', 'create', '--tenant', 'x'.repeat(65)], /--tenant NAME is required/],
    [['secret', 'create', '--tenant', '../default'], /--tenant NAME is required/],
    [['secret', 'create', '--tenant', 'acme\nNotice: forged'], /--tenant NAME is required/],
    [['secret', 'create', '--tenant', 'acme', '--tenant', 'Évil'], /--tenant NAME is required/],
    [['secret', 'list', '--tenant', ''], /--tenant NAME is required/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace', '24'], /--grace/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace=-1h'], /--grace/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace', '1.5h'], /--grace/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace', '31d'], /--grace/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace', '99999999999999999999d'], /--grace/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace', '1w'], /--grace/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace', '１h'], /--grace/],
    [['secret', 'rotate', '--tenant', 'acme', '--grace'], /--grace/],
    [['secret', 'create', '--tenant', 'acme', '--grace', '1h'], /--grace/],
    [['secret', 'revoke', '--tenant', 'acme'], /secret id/],
    [['secret', 'revoke', 'whs_../../x', '--tenant', 'acme'], /secret id/],
    [['secret', 'revoke', 'whs_000000000000', 'extra', '--tenant', 'acme'], /unexpected argument/],
    [['secret', 'create', '--tenant', 'acme', '--secret', 'whsec_mine'], /--secret/],
    [['secret', 'delete', '--tenant', 'acme'], /unknown webhooks secret command/],
    [['secret'], /needs create, rotate, list or revoke/],
    [['secrets', 'list'], /unknown webhooks command/],
    [[], /webhooks needs/],
  ])('webhooks %j', (args, message) => {
    expect(() => parseWebhooksArgs(args)).toThrow(UsageError);
    expect(() => parseWebhooksArgs(args)).toThrow(message);
  });

  it('parses what it documents', () => {
    expect(parseWebhooksArgs(['secret', 'rotate', '--tenant', 'acme'])).toStrictEqual({
      sub: 'rotate',
      tenant: 'acme',
      graceSeconds: 86_400,
    });
    expect(parseWebhooksArgs(['secret', 'rotate', '--tenant', 'acme', '--grace', '0s'])).toMatchObject({
      graceSeconds: 0,
    });
    expect(parseWebhooksArgs(['secret', 'rotate', '--tenant', 'a', '--grace', '30d'])).toMatchObject({
      graceSeconds: 30 * 86_400,
    });
    expect(parseWebhooksArgs(['secret', 'list'])).toStrictEqual({ sub: 'list', tenant: undefined });
    expect(parseWebhooksArgs(['secret', 'rotate', '--help'])).toBe('help');
  });

  it('exits 2 with the usage on stderr before any configuration or database is touched', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ts-whcli-'));
    try {
      const result = await runCli(['webhooks', 'secret', 'rotate', '--tenant', 'acme', '--grace', '1w'], {
        DATA_DIR: dataDir,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--grace/);
      expect(result.stderr).toMatch(/webhooks secret rotate --tenant NAME/);
      expect(result.stdout).toBe('');
      expect(await readdir(dataDir)).toStrictEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

function hasPython(): boolean {
  const found = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found) console.warn('python3 is not on PATH: the README Python verifier test is skipped');
  return found;
}

/** The Python block right after the README's `<!-- webhook-verifier:python -->` marker, as printed. */
function readmePythonVerifier(readme: string): string {
  const match = /<!-- webhook-verifier:python -->\n```python\n([\s\S]*?)\n```/.exec(readme);
  if (!match) throw new Error('README.md has no Python verifier after <!-- webhook-verifier:python -->');
  return match[1]!;
}

/** What a receiver got, as headers and body to send again. */
function receiverCopy(delivery: ReceivedWebhook): { headers: Record<string, string>; body: string } {
  const { 'content-length': _length, host: _host, connection: _connection, ...headers } = headersOf(delivery);
  return { headers, body: delivery.body };
}

interface PythonLine {
  id: string | null;
  verified: boolean;
}

/** test/lifecycle/webhook-receiver.py on loopback, verifying with the snippet; its JSON lines as they come. */
async function startPythonReceiver(snippet: string, secrets: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(
    'python3',
    [join(ROOT, 'test/lifecycle/webhook-receiver.py'), snippet],
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, WEBHOOK_SECRETS: secrets.join(',') } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: PythonLine[] = [];
  let port: number | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as PythonLine & { port?: number };
    if (parsed.port !== undefined) port = parsed.port;
    else lines.push(parsed);
  });
  await waitFor(
    `the Python receiver to listen (stderr: ${stderr})`,
    () => port !== undefined || child.exitCode !== null,
    {
      timeoutMs: 15_000,
    },
  );
  if (port === undefined) throw new Error(`the Python receiver exited: ${stderr}`);
  return { url: `http://127.0.0.1:${port}/hook`, lines, close: () => child.kill() };
}
