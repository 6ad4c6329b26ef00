import { open, readFile } from 'node:fs/promises';

/** Image bytes to read: a local file (libvips reads it directly) or a buffer. */
export type ImageInput = { path: string } | { buffer: Buffer };

/** The first `length` bytes (fewer when the input is shorter). */
export async function readHead(input: ImageInput, length: number): Promise<Buffer> {
  if ('buffer' in input) return input.buffer.subarray(0, length);
  const handle = await open(input.path, 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** All the bytes, for decoders that need them in memory (BMP, HEIC, SVG). */
export async function readAll(input: ImageInput): Promise<Buffer> {
  return 'buffer' in input ? input.buffer : readFile(input.path);
}

/** Byte size without reading the content. */
export async function byteLength(input: ImageInput): Promise<number> {
  if ('buffer' in input) return input.buffer.length;
  const handle = await open(input.path, 'r');
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/** What sharp accepts as input. */
export function sharpSource(input: ImageInput): string | Buffer {
  return 'buffer' in input ? input.buffer : input.path;
}
