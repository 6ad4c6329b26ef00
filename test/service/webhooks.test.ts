import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret, newWebhookSecretId } from '../../src/domain/webhook-secrets.js';
import type { JobDataByName } from '../../src/ports/job-queue.js';
import { startReceiver } from '../lifecycle/support.js';
import { signaturesOf, verifies } from '../lifecycle/webhook-verify.js';
import { deliveryOf, type EmbeddedRuntime, openEmbeddedRuntime, workOffQueue } from '../support/embedded-runtime.js';
import { makeJpeg } from '../support/images.js';
import { waitFor } from '../support/wait.js';

const GLOBAL_SECRET = generateWebhookSecret();

/**
 * The webhook job handler of a composed runtime (real SQLite secret store, the real guarded fetcher, its metrics)
 * delivering to a real receiver on loopback: which secrets sign, read at every attempt.
 */
describe('webhook deliveries: signing secrets resolved per attempt, metrics per attempt', () => {
  let embedded: EmbeddedRuntime;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    embedded = await openEmbeddedRuntime({ WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_SECRET: GLOBAL_SECRET });
    // Answers 500 to the first delivery, then 204.
    receiver = await startReceiver(1);
  });
  afterAll(async () => {
    await embedded?.close();
    await receiver?.close();
  });

  const store = () => embedded.runtime.webhookSecrets;
  const addSecret = async (tenant: string, retireOthersAt?: Date) => {
    const record = { id: newWebhookSecretId(), tenant, secret: generateWebhookSecret(), createdAt: new Date() };
    await store().add(record, retireOthersAt && { retireOthersAt });
    return record.secret;
  };
  const job = (overrides: Partial<JobDataByName['webhook']> = {}): JobDataByName['webhook'] => ({
    eventId: `evt_${'0'.repeat(31)}${receiver.received.length}`,
    eventType: 'image.done',
    url: receiver.url,
    body: JSON.stringify({ type: 'image.done', timestamp: new Date().toISOString(), data: { id: 'img_x' } }),
    imageId: 'img_x',
    ...overrides,
  });
  const deliver = (data: JobDataByName['webhook'], attempt = 1, maxAttempts = 3) =>
    embedded.runtime.handlers.webhook(
      deliveryOf('webhook', data, { attempt, maxAttempts }),
      new AbortController().signal,
    );
  const last = () => receiver.received.at(-1)!;

  it('a rotation between two attempts reaches the retry: same webhook-id, now signed by the old and the new secret', async () => {
    const old = await addSecret('acme');
    const data = job({ tenant: 'acme' });
    await expect(deliver(data, 1)).rejects.toMatchObject({ code: 'TS_WEBHOOK_REJECTED' });
    const first = last();
    expect(signaturesOf(first)).toHaveLength(1);
    expect(verifies(old, first)).toBe(true);
    expect(verifies(GLOBAL_SECRET, first)).toBe(false);

    const rotated = await addSecret('acme', new Date(Date.now() + 3600_000));
    await deliver(data, 2);
    const retry = last();
    expect(retry.answered).toBe(204);
    expect(retry.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(retry.body).toBe(first.body);
    expect(signaturesOf(retry)).toHaveLength(2);
    expect(verifies(old, retry)).toBe(true);
    expect(verifies(rotated, retry)).toBe(true);
    expect(verifies(GLOBAL_SECRET, retry)).toBe(false);

    // Past the grace (a rotation with none): only the newest secret signs.
    const newest = await addSecret('acme', new Date());
    await deliver(job({ tenant: 'acme' }));
    expect(signaturesOf(last())).toHaveLength(1);
    expect(verifies(newest, last())).toBe(true);
    expect(verifies(rotated, last())).toBe(false);
    expect(verifies(old, last())).toBe(false);
  });

  it('WEBHOOK_SECRET signs the global URL and the callbacks of a tenant without secrets (or whose secrets are revoked)', async () => {
    await deliver(job());
    expect(verifies(GLOBAL_SECRET, last())).toBe(true);
    await deliver(job({ tenant: 'no-secrets' }));
    expect(verifies(GLOBAL_SECRET, last())).toBe(true);

    const own = await addSecret('revoked-tenant');
    const [record] = await store().signing('revoked-tenant', new Date());
    await deliver(job({ tenant: 'revoked-tenant' }));
    expect(verifies(own, last())).toBe(true);
    expect(verifies(GLOBAL_SECRET, last())).toBe(false);
    expect(await store().revoke('revoked-tenant', record!.id, new Date())).toBe(true);
    await deliver(job({ tenant: 'revoked-tenant' }));
    expect(verifies(own, last())).toBe(false);
    expect(verifies(GLOBAL_SECRET, last())).toBe(true);
  });

  it('a tampered body, id or timestamp, or another secret, does not verify', async () => {
    const secret = await addSecret('tamper');
    await deliver(job({ tenant: 'tamper' }));
    const delivery = last();
    expect(verifies(secret, delivery)).toBe(true);
    expect(verifies(secret, delivery, { body: delivery.body.replace('img_x', 'img_y') })).toBe(false);
    expect(verifies(secret, delivery, { body: `${delivery.body} ` })).toBe(false);
    expect(verifies(secret, delivery, { headers: { 'webhook-id': `${delivery.headers['webhook-id']}0` } })).toBe(false);
    const timestamp = Number(delivery.headers['webhook-timestamp']);
    expect(verifies(secret, delivery, { headers: { 'webhook-timestamp': String(timestamp - 1) } })).toBe(false);
    expect(verifies(secret, delivery, { headers: { 'webhook-signature': '' } })).toBe(false);
    expect(verifies(generateWebhookSecret(), delivery)).toBe(false);
  });

  it('counts every attempt by outcome and times it', async () => {
    const metrics = () => embedded.runtime.metrics.render();
    const count = async (outcome: string) =>
      Number(
        new RegExp(`^thumbsmith_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(
          await metrics(),
        )?.[1] ?? 0,
      );
    const before = {
      delivered: await count('delivered'),
      gave_up: await count('gave_up'),
      dropped: await count('dropped'),
    };
    await deliver(job());
    // A receiver that is not there, on the last attempt: given up.
    await expect(deliver(job({ url: 'http://127.0.0.1:9/closed' }), 3, 3)).rejects.toThrow();
    // A private address the guarded fetcher refuses: dropped at once, nothing thrown to retry.
    await deliver(job({ url: 'http://10.255.255.1/hook' }));
    expect(await count('delivered')).toBe(before.delivered + 1);
    expect(await count('gave_up')).toBe(before.gave_up + 1);
    expect(await count('dropped')).toBe(before.dropped + 1);
    expect(await metrics()).toMatch(
      /^thumbsmith_webhook_delivery_duration_seconds_count\{outcome="delivered"\} [1-9]/m,
    );
  });
});

describe("one finished image: WEBHOOK_URL signed with WEBHOOK_SECRET, its callback_url with its tenant's secret", () => {
  it("enqueues both, each job resolving its own secrets; the body has the specification's shape", async () => {
    const global = await startReceiver(0);
    const callback = await startReceiver(0);
    const embedded = await openEmbeddedRuntime({
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      WEBHOOK_SECRET: GLOBAL_SECRET,
      WEBHOOK_URL: global.url,
    });
    try {
      const tenantSecret = generateWebhookSecret();
      await embedded.runtime.webhookSecrets.add({
        id: newWebhookSecretId(),
        tenant: 'acme',
        secret: tenantSecret,
        createdAt: new Date(),
      });
      const image = await embedded.runtime.service.submitUpload({
        stream: Readable.from([await makeJpeg({ width: 64, height: 48 })]),
        filename: 'a.jpg',
        tenant: 'acme',
        callbackUrl: callback.url,
      });
      await workOffQueue(embedded.runtime);
      await waitFor('both deliveries', () => global.received.length > 0 && callback.received.length > 0);
      const [toGlobal] = global.received;
      const [toCallback] = callback.received;
      expect(verifies(GLOBAL_SECRET, toGlobal!)).toBe(true);
      expect(verifies(tenantSecret, toGlobal!)).toBe(false);
      expect(verifies(tenantSecret, toCallback!)).toBe(true);
      expect(verifies(GLOBAL_SECRET, toCallback!)).toBe(false);
      // One event: the same id and body for both receivers.
      expect(toCallback!.headers['webhook-id']).toBe(toGlobal!.headers['webhook-id']);
      expect(toCallback!.body).toBe(toGlobal!.body);
      const body = JSON.parse(toGlobal!.body) as { type: string; timestamp: string; data: { id: string } };
      expect(body.type).toBe('image.done');
      expect(body.data.id).toBe(image.id);
      expect(Date.parse(body.timestamp)).not.toBeNaN();
    } finally {
      await embedded.close();
      await global.close();
      await callback.close();
    }
  });
});
