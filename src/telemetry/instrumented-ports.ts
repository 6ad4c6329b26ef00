import type { BlobStore } from '../ports/blob-store.js';
import type { MetadataStores } from '../ports/metadata-store.js';
import { instrumentPort, type MethodTable, noAttributes, UNTRACED } from './instrument-port.js';
import type { Metrics } from './metrics.js';
import { ATTR } from './names.js';
import type { SpanAttributes } from './tracing.js';

// The span and metric tables of the ports compose.ts decorates: which argument names the image or the blob.

const imageId = (id: string): SpanAttributes => ({ [ATTR.imageId]: id });

/**
 * Every metadata store with a span and a latency observation per call, all named `metadata.<method>` with the
 * `database` label, whichever store the method is on.
 */
export function instrumentMetadataStores(
  stores: MetadataStores,
  options: { system: 'sqlite' | 'postgresql'; metrics: Metrics },
): MetadataStores {
  const common = {
    dependency: 'database',
    name: 'metadata',
    attributes: { [ATTR.dbSystem]: options.system },
    metrics: options.metrics,
  } as const;
  const health = instrumentPort<Pick<MetadataStores, 'ping'>>(stores, { ...common, methods: { ping: noAttributes } });
  return {
    images: instrumentPort(stores.images, {
      ...common,
      methods: {
        createImage: (image) => imageId(image.id),
        getImage: imageId,
        markProcessing: imageId,
        markRetrying: imageId,
        markDone: imageId,
        attachOriginal: imageId,
        markFailed: imageId,
        listImages: noAttributes,
        deleteImage: (_tenant, id) => imageId(id),
        requeueFailed: (_tenant, id) => imageId(id),
        replaceVariants: (_tenant, id) => imageId(id),
      },
    }),
    contents: instrumentPort(stores.contents, {
      ...common,
      methods: {
        acquireContent: noAttributes,
        releaseContent: noAttributes,
        listByContent: noAttributes,
        reapUnreferencedContents: noAttributes,
        existingContentGenerations: noAttributes,
      },
    }),
    workers: instrumentPort(stores.workers, {
      ...common,
      methods: { recordHeartbeat: noAttributes, listHeartbeats: noAttributes, removeHeartbeat: noAttributes },
    }),
    maintenance: instrumentPort(stores.maintenance, {
      ...common,
      methods: {
        listStaleQueued: noAttributes,
        listStaleProcessing: noAttributes,
        existingImageIds: noAttributes,
        listCreatedBefore: noAttributes,
        listDone: noAttributes,
        countImages: noAttributes,
      },
    }),
    ping: health.ping,
  };
}

const blobKey = (key: string): SpanAttributes => ({ [ATTR.blobKey]: key });

const BLOB_METHODS: MethodTable<BlobStore> = {
  put: blobKey,
  get: blobKey,
  stat: blobKey,
  delete: blobKey,
  list: UNTRACED,
  localPath: UNTRACED,
  ping: noAttributes,
  close: UNTRACED,
};

/** The blob store with a `blobs.<method>` span and a `storage` latency observation per call. */
export function instrumentBlobStore(blobs: BlobStore, options: { system: string; metrics: Metrics }): BlobStore {
  return instrumentPort(blobs, {
    dependency: 'storage',
    name: 'blobs',
    attributes: { 'thumbsmith.storage.system': options.system },
    methods: BLOB_METHODS,
    metrics: options.metrics,
  });
}
