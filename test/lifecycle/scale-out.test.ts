import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentOriginalKey, newContentGeneration } from '../../src/domain/content-keys.js';
import { generateWebhookSecret } from '../../src/domain/webhook-secrets.js';
import { download, getImage, type ImageJson, uploadOk, waitForFinal } from '../support/http.js';
import { adapterEnabled } from '../support/servers.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { jpeg, readSse, runCli, slowPng, startReceiver, startScaleOut } from './support.js';
import { verifies } from './webhook-verify.js';

const enabled = adapterEnabled('postgres') && adapterEnabled('redis') && adapterEnabled('s3');
const SECRET = generateWebhookSecret();

/**
 * The lifecycle where it differs from the embedded default: the API and the worker are separate processes on
 * Postgres, BullMQ/Redis and S3, so events cross processes on a Redis stream, webhooks and rerenders are BullMQ jobs,
 * and blobs (and their reference-counted deletion) live in S3.
 */
describe.runIf(enabled)('lifecycle in scale-out (api + worker processes, Postgres, Redis, S3)', () => {
  let infra: Awaited<ReturnType<typeof startScaleOut>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    infra = await startScaleOut();
    receiver = await startReceiver(2);
    env = {
      ...infra.env,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      JOB_BACKOFF_MS: '100',
      JOB_BACKOFF_MAX_MS: '300',
      WORKER_CONCURRENCY: '2',
    };
    api = await startService({ command: 'api', env });
    worker = await startService({ command: 'worker', env });
  });
  afterAll(async () => {
    for (const service of [api, worker]) {
      if (!service) continue;
      await service.stop();
      await removeDataDir(service.dataDir);
    }
    await receiver?.close();
    await infra?.stop();
  });

  const objects = async (prefix: string): Promise<string[]> => {
    const listed = await infra.s3.client.send(
      new ListObjectsV2Command({ Bucket: infra.s3.bucket, Prefix: `${infra.prefix}/${prefix}` }),
    );
    return (listed.Contents ?? []).map((object) => object.Key!.slice(infra.prefix.length + 1)).sort();
  };

  it('SSE and ?wait= see the worker finish (events on a Redis stream)', async () => {
    const { id } = await uploadOk(api.url, await slowPng(30, 3000), 'slow.png');
    const [stream, waited] = await Promise.all([
      readSse(`${api.url}/v1/images/${id}/events`, { timeoutMs: 60_000 }),
      fetch(`${api.url}/v1/images/${id}?wait=30`).then(async (r) => (await r.json()) as ImageJson),
    ]);
    expect(waited.status).toBe('done');
    expect(stream.ended).toBe(true);
    const last = JSON.parse(stream.events.at(-1)!.data) as ImageJson;
    expect(last.status).toBe('done');
    expect(last.variants).toHaveLength(3);
    // The worker, not the API, rendered it. Its log line follows the committed `done` that answered the API, so it
    // may still be on its way through the pipe.
    await waitFor('the worker’s log line', () => worker.logs.some((l) => l.imageId === id && l.msg === 'image done'), {
      timeoutMs: 5_000,
    });
  });

  it('the tenant stream hears about images finished by the worker', async () => {
    let id = '';
    const { events } = await readSse(`${api.url}/v1/events`, {
      timeoutMs: 60_000,
      onOpen: () => {
        void (async () => {
          id = (await uploadOk(api.url, await jpeg(31))).id;
        })();
      },
      stop: (seen) =>
        seen.some(
          (e) => e.event === 'image' && (JSON.parse(e.data) as ImageJson).id === id && e.data.includes('"done"'),
        ),
    });
    expect(events.some((e) => (JSON.parse(e.data) as ImageJson).id === id)).toBe(true);
  });

  it('pages stay exact while uploads arrive', async () => {
    const before: string[] = [];
    for (let i = 0; i < 5; i += 1) before.push((await uploadOk(api.url, await jpeg(40 + i))).id);
    const concurrent = Promise.all(Array.from({ length: 5 }, async (_, i) => uploadOk(api.url, await jpeg(50 + i))));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page += 1) {
      const response = await fetch(`${api.url}/v1/images?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const body = (await response.json()) as { items: ImageJson[]; nextCursor: string | null };
      seen.push(...body.items.map((image) => image.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    await concurrent;
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });

  it('dedup reference counts hold under concurrent deletes and uploads; the last delete empties S3', async () => {
    const bytes = await jpeg(60);
    const seed = await waitForFinal(api.url, (await uploadOk(api.url, bytes)).id);
    const copies = [seed.id];
    for (let i = 0; i < 4; i += 1) copies.push((await uploadOk(api.url, bytes)).id);
    const prefix = `content/${seed.original!.sha256}/`;
    expect(await objects(prefix)).toHaveLength(4);

    const results = await Promise.all([
      ...copies
        .slice(0, 4)
        .map(async (id) => ({ deleted: (await fetch(`${api.url}/v1/images/${id}`, { method: 'DELETE' })).status })),
      ...Array.from({ length: 4 }, async () => ({ uploaded: (await uploadOk(api.url, bytes)).id })),
    ]);
    expect(results.filter((r) => 'deleted' in r).every((r) => r.deleted === 204)).toBe(true);
    const survivors = [copies[4]!, ...results.flatMap((r) => ('uploaded' in r ? [r.uploaded] : []))];
    for (const id of survivors) {
      const image = await waitForFinal(api.url, id);
      expect(image.status).toBe('done');
      for (const variant of image.variants) {
        const response = await download(api.url, id, variant.preset);
        expect(response.status).toBe(200);
        expect((await response.arrayBuffer()).byteLength).toBe(variant.bytes);
      }
    }
    expect(await objects(prefix)).toHaveLength(4);
    await Promise.all(survivors.map((id) => fetch(`${api.url}/v1/images/${id}`, { method: 'DELETE' })));
    expect(await objects(prefix)).toStrictEqual([]);
  });

  it('webhooks go through BullMQ: retried after failures, signed, one event id', async () => {
    const form = new FormData();
    form.append('callback_url', receiver.url);
    form.append('file', new Blob([await jpeg(70)]), 'a.jpg');
    const response = await fetch(`${api.url}/v1/images`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as ImageJson;
    const mine = () => receiver.received.filter((r) => r.body.includes(id));
    await waitFor('a successful delivery', () => mine().some((r) => r.answered === 204), { timeoutMs: 30_000 });
    expect(mine().map((r) => r.answered)).toStrictEqual([500, 500, 204]);
    expect(new Set(mine().map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const delivery of mine()) expect(verifies(SECRET, delivery)).toBe(true);
  });

  it('`thumbsmith sweep` collects orphan blobs in S3; retry is refused for a done image', async () => {
    // An orphan generation in S3 from "two hours ago".
    const orphan = contentOriginalKey('e'.repeat(64), newContentGeneration(Date.now() - 2 * 3600_000));
    await infra.s3.client.send(
      new PutObjectCommand({ Bucket: infra.s3.bucket, Key: `${infra.prefix}/${orphan}`, Body: Buffer.from('orphan') }),
    );
    const result = await runCli(['sweep'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/garbage collected [1-9]\d* orphan blob/);
    expect(await objects(`content/${'e'.repeat(64)}/`)).toStrictEqual([]);

    const image = await waitForFinal(api.url, (await uploadOk(api.url, await jpeg(80))).id);
    expect((await fetch(`${api.url}/v1/images/${image.id}/retry`, { method: 'POST' })).status).toBe(409);
    expect((await getImage(api.url, image.id)).status).toBe('done');
  });
});
