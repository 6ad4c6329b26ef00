import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getImage, type ImageJson, uploadOk, waitForFinal } from '../support/http.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { filesUnder, jpeg, slowPng } from './support.js';

let service: ServiceProcess;

beforeAll(async () => {
  service = await startService({ env: { WORKER_CONCURRENCY: '2' } });
});
afterAll(async () => {
  await service?.stop();
  if (service) await removeDataDir(service.dataDir);
});

interface Page {
  items: ImageJson[];
  nextCursor: string | null;
}

async function list(query: string): Promise<Page> {
  const response = await fetch(`${service.url}/v1/images?${query}`);
  if (response.status !== 200) throw new Error(`list answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Page;
}

async function problem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(((await response.json()) as { code: string }).code).toBe(code);
}

describe('GET /v1/images: newest first, keyset pages (embedded default)', () => {
  it('pages through every image exactly once while uploads keep arriving', async () => {
    const before: string[] = [];
    for (let i = 0; i < 9; i += 1) before.push((await uploadOk(service.url, await jpeg(i))).id);

    // Page with limit 2 while a second client uploads 8 more at the same time.
    const concurrent = (async () => {
      const ids: string[] = [];
      for (let i = 100; i < 108; i += 1) ids.push((await uploadOk(service.url, await jpeg(i))).id);
      return ids;
    })();
    const seen: ImageJson[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page += 1) {
      const result: Page = await list(`limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(result.items.length).toBeLessThanOrEqual(2);
      seen.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === null) break;
    }
    const after = await concurrent;

    const ids = seen.map((image) => image.id);
    expect(new Set(ids).size).toBe(ids.length); // nothing twice
    for (const id of before) expect(ids).toContain(id); // nothing that existed before was skipped
    // Newest first: createdAt never increases down the list, ids break ties downwards.
    for (let i = 1; i < seen.length; i += 1) {
      const [previous, current] = [seen[i - 1]!, seen[i]!];
      const order = Date.parse(previous.createdAt) - Date.parse(current.createdAt);
      expect(order > 0 || (order === 0 && previous.id > current.id)).toBe(true);
    }
    // Everything is there in a fresh listing.
    const everything = (await list('limit=100')).items.map((image) => image.id);
    for (const id of [...before, ...after]) expect(everything).toContain(id);
    expect(everything.slice(0, 1)).toStrictEqual([after.at(-1)]);
  });

  it('filters by status and creation time; rejects bad cursors, limits and dates', async () => {
    const finished = await waitForFinal(service.url, (await uploadOk(service.url, await jpeg(200))).id);
    expect(finished.status).toBe('done');
    const done = await list('status=done&limit=100');
    expect(done.items.length).toBeGreaterThan(0);
    expect(done.items.every((image) => image.status === 'done')).toBe(true);
    expect(done.items.map((image) => image.id)).toContain(finished.id);

    const created = finished.createdAt;
    const afterIt = await list(`created_after=${encodeURIComponent(created)}&limit=100`);
    expect(afterIt.items.map((image) => image.id)).not.toContain(finished.id);
    const upTo = new Date(Date.parse(created) + 1).toISOString();
    const beforeIt = await list(`created_before=${encodeURIComponent(upTo)}&limit=100`);
    expect(beforeIt.items[0]?.id).toBe(finished.id);

    await problem(await fetch(`${service.url}/v1/images?cursor=bm90LWEtY3Vyc29y`), 400, 'TS_INVALID_CURSOR');
    await problem(await fetch(`${service.url}/v1/images?limit=101`), 400, 'TS_VALIDATION');
    await problem(await fetch(`${service.url}/v1/images?status=gone`), 400, 'TS_VALIDATION');
    await problem(await fetch(`${service.url}/v1/images?created_after=yesterday`), 400, 'TS_VALIDATION');
  });
});

describe('DELETE /v1/images/{id}', () => {
  it('204 removes the row and its blobs; then 404 (also for its thumbnails)', async () => {
    const image = await waitForFinal(service.url, (await uploadOk(service.url, await jpeg(300))).id);
    const contentDir = join(service.dataDir, 'blobs', 'content', image.original!.sha256);
    expect((await filesUnder(contentDir)).filter((f) => f.endsWith('/original'))).toHaveLength(1);
    expect(await filesUnder(contentDir)).toHaveLength(4); // original + 3 variants

    const response = await fetch(`${service.url}/v1/images/${image.id}`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    await problem(await fetch(`${service.url}/v1/images/${image.id}`), 404, 'TS_NOT_FOUND');
    await problem(await fetch(`${service.url}/v1/images/${image.id}/thumbnails/small`), 404, 'TS_NOT_FOUND');
    expect(await filesUnder(contentDir)).toStrictEqual([]);
    // Deleting again: the effect is the same, the answer says there was nothing.
    await problem(await fetch(`${service.url}/v1/images/${image.id}`, { method: 'DELETE' }), 404, 'TS_NOT_FOUND');
  });

  it('a render in flight does not bring the image back and leaves no blobs behind', async () => {
    // ~49 megapixels (under MAX_INPUT_PIXELS): seconds of decoding, plenty of time to delete mid-render.
    const bytes = await slowPng(1, 7000);
    const { id, original } = await uploadOk(service.url, bytes, 'slow.png');
    // Wait until the worker has it, then delete under its feet.
    await waitFor(
      'the worker to take the image',
      async () => (await getImage(service.url, id)).status === 'processing',
      {
        timeoutMs: 20_000,
        intervalMs: 5,
      },
    );
    expect((await fetch(`${service.url}/v1/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    const contentDir = join(service.dataDir, 'blobs', 'content', original!.sha256);
    // The job finishes (its log line says the variants were discarded) and the row stays gone.
    await waitFor(
      'the render job to report the discard',
      () => {
        const lines = service.logs.filter((l) => l.imageId === id).map((l) => String(l.msg));
        if (lines.some((msg) => msg.startsWith('image deleted while rendering'))) return true;
        throw new Error(`log lines so far: ${JSON.stringify(lines)}`);
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await problem(await fetch(`${service.url}/v1/images/${id}`), 404, 'TS_NOT_FOUND');
    expect(await filesUnder(contentDir)).toStrictEqual([]);
  });
});

describe('POST /v1/images/{id}/retry', () => {
  it('409 TS_NOT_RETRYABLE unless failed; 404 for unknown ids', async () => {
    const image = await waitForFinal(service.url, (await uploadOk(service.url, await jpeg(400))).id);
    await problem(
      await fetch(`${service.url}/v1/images/${image.id}/retry`, { method: 'POST' }),
      409,
      'TS_NOT_RETRYABLE',
    );
    await problem(
      await fetch(`${service.url}/v1/images/img_00000000000000000000000000/retry`, { method: 'POST' }),
      404,
      'TS_NOT_FOUND',
    );
  });
});

describe('retry of a failed image (real processes, restarted with a sane time limit)', () => {
  it('fails under a tiny JOB_TIMEOUT_MS, then a retry after the restart renders it', async () => {
    const first = await startService({ env: { JOB_TIMEOUT_MS: '100', WORKER_CONCURRENCY: '1' } });
    try {
      const { id } = await uploadOk(first.url, await slowPng(2), 'slow.png');
      const failed = await waitForFinal(first.url, id, 60_000);
      expect(failed.status).toBe('failed');
      expect(failed.error?.code).toBe('TS_RENDER_TIMEOUT');
      await first.stop();

      const second = await startService({ dataDir: first.dataDir });
      try {
        const response = await fetch(`${second.url}/v1/images/${id}/retry`, { method: 'POST' });
        expect(response.status).toBe(202);
        const queued = (await response.json()) as ImageJson;
        expect(queued).toMatchObject({ id, status: 'queued', attempts: 0, error: null, completedAt: null });
        const done = await waitForFinal(second.url, id, 60_000);
        expect(done.status).toBe('done');
        expect(done.attempts).toBe(1);
        expect(done.variants.map((v) => v.preset).sort()).toStrictEqual(['large', 'medium', 'small']);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      await removeDataDir(first.dataDir);
    }
  });
});
