import type { OpenContext } from '../../lib/closers.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { createFsBlobStore } from './fs-blob-store.js';

/** Blobs in a directory (the embedded default). */
export async function open({ root }: { root: string }, { closers }: Pick<OpenContext, 'closers'>): Promise<BlobStore> {
  const blobs = await createFsBlobStore(root);
  closers.add('blobs', () => blobs.close());
  return blobs;
}
