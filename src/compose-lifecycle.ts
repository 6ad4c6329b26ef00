import type { Config } from './config/config.js';
import type { ImageRecord, Variant } from './domain/image.js';
import { createSafeFetcher, type UrlRules } from './fetcher/index.js';
import { toImageView } from './http/image-view.js';
import type { Imager } from './imaging/index.js';
import type { BlobStore } from './ports/blob-store.js';
import type { ImageEvents } from './ports/image-events.js';
import type { JobQueue } from './ports/job-queue.js';
import type { MetadataStores } from './ports/metadata-store.js';
import { ContentBlobs } from './service/content-blobs.js';
import { createOriginalFetcher } from './service/fetch-original.js';
import { ImageLifecycle } from './service/image-lifecycle.js';
import { enqueueRender } from './service/image-service.js';
import { ImageWatcher } from './service/image-watch.js';
import { Maintenance } from './service/retention.js';
import { ImageNotifier, NotifyingImageStore } from './service/status-events.js';
import { VariantRefresher } from './service/variant-refresh.js';
import { createWebhookJobHandler, Webhooks } from './service/webhooks.js';
import type { Logger } from './telemetry/logger.js';
import type { JobHandlers } from './worker/worker.js';

export interface LifecyclePorts {
  metadata: MetadataStores;
  queue: JobQueue;
  blobs: BlobStore;
  /** The render pool: re-renders, and the probe of a fetched upload by URL, run in the worker's children. */
  imager: Imager;
  tempDir: string;
  logger: Logger;
}

type Closers = Array<{ name: string; close: () => Promise<unknown> | unknown }>;

/** What compose() wires into the service, the render job, the handler table and the runtime. */
export interface LifecycleParts {
  /** The metadata stores with status events behind every image change: use them everywhere from here on. */
  metadata: MetadataStores;
  events: ImageEvents;
  content: ContentBlobs;
  refresher: VariantRefresher;
  lifecycle: ImageLifecycle;
  watcher: ImageWatcher;
  maintenance: Maintenance;
  handlers: Pick<JobHandlers, 'rerender' | 'webhook'>;
  /** For ImageService. */
  serviceDeps: {
    content: ContentBlobs;
    refresher: VariantRefresher;
    allowLoopbackCallbacks: boolean;
    sourceUrlRules: UrlRules;
  };
  /** For the render job handler. */
  renderDeps: {
    reuseVariants: (image: ImageRecord) => Promise<Variant[] | undefined>;
    discardVariants: (image: ImageRecord, variants: readonly Variant[]) => Promise<void>;
    fetchOriginal: (image: ImageRecord, signal: AbortSignal) => Promise<ImageRecord | undefined>;
  };
}

/**
 * Part of the composition root (compose.ts calls it once): the image lifecycle of issue 8. The event transport is
 * Redis pub/sub when the queue is on Redis (scale-out: API and workers are separate processes), in-process otherwise;
 * webhooks go out through their own SSRF-guarded fetcher.
 */
export async function composeLifecycle(
  config: Config,
  ports: LifecyclePorts,
  closers: Closers,
): Promise<LifecycleParts> {
  const { queue, blobs, imager, tempDir, logger } = ports;
  let events: ImageEvents;
  if (config.queue.kind === 'redis') {
    const { createRedisImageEvents } = await import('./adapters/redis/redis-image-events.js');
    events = createRedisImageEvents({
      url: config.queue.url,
      channel: `${config.queue.prefix}:image-events`,
      onError: (error) => logger.warn({ err: error }, 'image events connection error'),
    });
  } else {
    const { createMemoryImageEvents } = await import('./adapters/memory/memory-image-events.js');
    events = createMemoryImageEvents();
  }
  closers.push({ name: 'image events', close: () => events.close() });

  const fetcher = createSafeFetcher({
    allowedHosts: undefined,
    allowLoopback: config.webhooks.allowLoopback,
    maxBytes: 64 * 1024,
    timeoutMs: config.webhooks.timeoutMs,
    maxRedirects: 0,
    userAgent: 'Thumbsmith-Webhook/1',
  });
  closers.push({ name: 'webhook fetcher', close: () => fetcher.close() });
  // Uploads by URL get their own fetcher: their own allow-list, loopback exception, time limit and byte cap.
  const sourceUrlRules: UrlRules = {
    allowedHosts: config.fetch.allowedHosts,
    allowLoopback: config.fetch.allowLoopback,
  };
  const sourceFetcher = createSafeFetcher({
    ...sourceUrlRules,
    maxBytes: config.limits.maxUploadBytes,
    timeoutMs: config.fetch.timeoutMs,
    maxRedirects: config.fetch.maxRedirects,
    userAgent: 'Thumbsmith/1 (image fetcher)',
  });
  closers.push({ name: 'source fetcher', close: () => sourceFetcher.close() });

  const view = (image: ImageRecord) => toImageView(image, config.presets, config.server.publicUrl ?? '');
  const webhooks = new Webhooks({ queue, globalUrl: config.webhooks.url, view, logger });
  const images = new NotifyingImageStore(ports.metadata.images, new ImageNotifier({ events, webhooks, logger }));
  const { contents, workers, maintenance: queries } = ports.metadata;
  const metadata: MetadataStores = {
    images,
    contents,
    workers,
    maintenance: queries,
    ping: () => ports.metadata.ping(),
  };

  const content = new ContentBlobs({ contents, blobs, logger });
  const refresher = new VariantRefresher({
    images,
    contents,
    maintenance: queries,
    blobs,
    content,
    queue,
    presets: config.presets,
    limits: { ...config.limits },
    imager,
    timeoutMs: config.jobs.timeoutMs,
    tempDir,
    logger,
  });
  const lifecycle = new ImageLifecycle({
    images,
    maintenance: queries,
    content,
    enqueueRender: (imageId) => enqueueRender(queue, logger, imageId),
    logger,
  });
  const watcher = new ImageWatcher({ images, events, logger });
  const maintenance = new Maintenance({
    contents,
    maintenance: queries,
    blobs,
    content,
    lifecycle,
    retentionMs: config.lifecycle.retentionMs,
    gcIntervalMs: config.lifecycle.gcIntervalMs,
    gcGraceMs: config.lifecycle.gcGraceMs,
    referenceGraceMs: config.lifecycle.referenceGraceMs,
    logger,
  });
  return {
    metadata,
    events,
    content,
    refresher,
    lifecycle,
    watcher,
    maintenance,
    handlers: {
      rerender: refresher.createRerenderJobHandler(),
      webhook: createWebhookJobHandler({ poster: fetcher, secret: config.webhooks.secret, logger }),
    },
    serviceDeps: { content, refresher, allowLoopbackCallbacks: config.webhooks.allowLoopback, sourceUrlRules },
    renderDeps: {
      reuseVariants: (image) => refresher.reusable(image),
      discardVariants: (image, variants) => content.discardOrphanedVariants(image, variants),
      fetchOriginal: createOriginalFetcher({
        fetcher: sourceFetcher,
        images,
        content,
        limits: config.limits,
        imager,
        tempDir,
        logger,
      }),
    },
  };
}
