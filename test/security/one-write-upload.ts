import { request as httpRequest } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * POSTs a multipart upload with headers and body in one write, and returns the answer with its headers parsed. A
 * refused upload (401, 403, 429, 503) is answered before its body is read.
 */
export async function uploadInOneWrite(url: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'x.jpg');
  const encoded = new Request('http://x/', { method: 'POST', body: form });
  const body = Buffer.from(await encoded.arrayBuffer());
  return new Promise<Answer>((resolveAnswer, reject) => {
    const request = httpRequest(`${url}/v1/images`, {
      method: 'POST',
      headers: {
        'content-type': encoded.headers.get('content-type') ?? '',
        'content-length': String(body.length),
        ...headers,
      },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () =>
        resolveAnswer({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: JSON.parse(text) as Record<string, unknown>,
        }),
      );
    });
    request.end(body);
  });
}
