// The tests read the API's image JSON exactly as the command-line client does.
import type { Image as ImageJson } from '../../src/sdk/index.js';
import { waitFor } from './wait.js';

export type { ImageJson };

/** POSTs one file as multipart field `field` (default `file`). */
export async function upload(
  baseUrl: string,
  bytes: Uint8Array,
  options: { filename?: string; field?: string; contentType?: string } = {},
): Promise<Response> {
  const form = new FormData();
  form.append(
    options.field ?? 'file',
    new Blob([bytes], { type: options.contentType ?? 'application/octet-stream' }),
    options.filename ?? 'upload.bin',
  );
  return fetch(`${baseUrl}/v1/images`, { method: 'POST', body: form });
}

export async function uploadOk(baseUrl: string, bytes: Uint8Array, filename = 'image'): Promise<ImageJson> {
  const response = await upload(baseUrl, bytes, { filename });
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ImageJson;
}

export async function getImage(baseUrl: string, id: string): Promise<ImageJson> {
  const response = await fetch(`${baseUrl}/v1/images/${id}`);
  if (response.status !== 200) throw new Error(`GET image answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ImageJson;
}

/** Polls until the image is `done` or `failed` (bounded). */
export function waitForFinal(baseUrl: string, id: string, timeoutMs = 30_000): Promise<ImageJson> {
  return waitFor(
    `image ${id} to be done or failed`,
    async () => {
      const image = await getImage(baseUrl, id);
      return (image.status === 'done' || image.status === 'failed') && image;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

export async function download(baseUrl: string, id: string, preset: string): Promise<Response> {
  return fetch(`${baseUrl}/v1/images/${id}/thumbnails/${preset}`);
}
