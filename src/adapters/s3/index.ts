import type { OpenContext } from '../../lib/closers.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { createS3BlobStore } from './s3-blob-store.js';
import { createS3Client, type S3ClientConfig } from './s3-client.js';

/** The S3 storage's configuration section. */
export interface S3Section
  extends Pick<
    S3ClientConfig,
    'endpoint' | 'region' | 'forcePathStyle' | 'accessKeyId' | 'secretAccessKey' | 'sessionToken'
  > {
  bucket: string;
  prefix: string;
}

/** Blobs in any S3-compatible store. */
export function open(section: S3Section, { closers }: Pick<OpenContext, 'closers'>): BlobStore {
  const client = createS3Client({
    endpoint: section.endpoint,
    region: section.region,
    forcePathStyle: section.forcePathStyle,
    accessKeyId: section.accessKeyId,
    secretAccessKey: section.secretAccessKey,
    sessionToken: section.sessionToken,
  });
  const blobs = createS3BlobStore({ client, bucket: section.bucket, prefix: section.prefix });
  closers.add('blobs', () => blobs.close());
  return blobs;
}
