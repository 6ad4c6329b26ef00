import { createHmac } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageJson, upload, uploadOk, waitForFinal } from '../support/http.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { jpeg, startReceiver } from './support.js';

const SECRET = 'whsec-test-0123456789';
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

describe('webhooks: signed, retried with backoff, at least once with a stable event id', () => {
  it('delivers image.done to the callback_url after two failed attempts, each signed', async () => {
    const response = await uploadWithCallback(await jpeg(20), receiver.url);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as ImageJson;
    const forImage = () => receiver.received.filter((r) => r.body.includes(id));
    await waitFor('a successful delivery', () => forImage().some((r) => r.answered === 204), { timeoutMs: 30_000 });
    const deliveries = forImage();
    expect(deliveries.map((d) => d.answered)).toStrictEqual([500, 500, 204]);
    const eventIds = new Set(deliveries.map((d) => d.headers['thumbsmith-event-id']));
    expect(eventIds.size).toBe(1);
    for (const delivery of deliveries) {
      const body = JSON.parse(delivery.body) as { id: string; type: string; image: ImageJson };
      expect(body.type).toBe('image.done');
      expect(body.id).toBe(delivery.headers['thumbsmith-event-id']);
      expect(body.image.id).toBe(id);
      expect(body.image.status).toBe('done');
      expect(delivery.headers['content-type']).toBe('application/json');
      const signature = String(delivery.headers['thumbsmith-signature']);
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
      expect(match).not.toBeNull();
      const expected = createHmac('sha256', SECRET).update(`${match![1]}.${delivery.body}`).digest('hex');
      expect(match![2]).toBe(expected);
      // A wrong secret does not verify.
      expect(createHmac('sha256', 'other').update(`${match![1]}.${delivery.body}`).digest('hex')).not.toBe(match![2]);
    }
  });

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

  it('WEBHOOK_URL receives image.failed for every image', async () => {
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
      const body = JSON.parse(global.received.find((r) => r.body.includes(id))!.body) as {
        type: string;
        image: ImageJson;
      };
      expect(body.type).toBe('image.failed');
      expect(body.image.error?.code).toBe('TS_IMAGE_CORRUPT');
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
