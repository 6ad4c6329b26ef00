import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { type ImageJson, uploadOk } from '../support/http.js';
import { removeDataDir, startService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { jpeg, readSse } from './support.js';

describe('graceful shutdown with long-lived requests (embedded API process)', () => {
  it('SIGTERM ends event streams and waits at once, lets an upload in flight finish, and exits', async () => {
    // API only: nothing renders, so the image stays queued and the wait would otherwise last its 30 s.
    const service = await startService({ command: 'api' });
    try {
      const { id } = await uploadOk(service.url, await jpeg(1));
      let streamOpen!: () => void;
      const opened = new Promise<void>((resolve) => {
        streamOpen = resolve;
      });
      const stream = readSse(`${service.url}/v1/events`, { timeoutMs: 60_000, onOpen: () => streamOpen() });
      const waiting = fetch(`${service.url}/v1/images/${id}?wait=30`).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as ImageJson,
      }));
      await opened;

      // An upload whose body is still arriving when SIGTERM comes, on a keep-alive connection.
      const bytes = await jpeg(2, 1600, 1200);
      const boundary = 'thumbsmith-boundary';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      let signalled!: () => void;
      const afterSignal = new Promise<void>((resolve) => {
        signalled = resolve;
      });
      async function* body() {
        yield head;
        yield bytes.subarray(0, 1000);
        await afterSignal;
        yield bytes.subarray(1000);
        yield tail;
      }
      const uploading = request(`${service.url}/v1/images`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: Readable.from(body()),
      });
      // Once the upload is spooling on the server, ask the process to stop; the rest of the body follows the drain.
      await waitFor('the upload to be spooling', async () =>
        (await readdir(join(service.dataDir, 'tmp')).catch(() => [])).some((name) => name.startsWith('upload-')),
      );
      const stopping = service.stop('SIGTERM');
      await waitFor('the drain to begin', () =>
        service.logs.some((line) => line.msg === 'shutting down: draining requests and jobs'),
      );
      signalled();

      const uploaded = await uploading;
      expect(uploaded.statusCode).toBe(202);
      await uploaded.body.json();
      const { ended } = await stream;
      expect(ended).toBe(true);
      const waited = await waiting;
      expect(waited.status).toBe(200);
      expect(waited.body.status).toBe('queued');
      // Exits by itself, well before a keep-alive timeout (72 s) or the 30 s wait would have let it.
      expect(await stopping).toBe(0);
    } finally {
      await service.stop('SIGKILL');
      await removeDataDir(service.dataDir);
    }
  });
});
