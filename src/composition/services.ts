import type { Config } from '../config/config.js';
import type { ImageRecord } from '../domain/image.js';
import { toImageView } from '../http/image-view.js';
import type { ImagingPool } from '../imaging/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { IdempotencyStore } from '../ports/idempotency-store.js';
import type { ImageEvents } from '../ports/image-events.js';
import type { ImageStore } from '../ports/image-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { KeyStore } from '../ports/key-store.js';
import type { MetadataStores } from '../ports/metadata-store.js';
import type { WebhookSecretStore } from '../ports/webhook-secret-store.js';
import { ApiKeyVerifier } from '../service/access.js';
import { ContentBlobs } from '../service/content-blobs.js';
import type { DiskSpace } from '../service/disk-space.js';
import { createOriginalFetcher } from '../service/fetch-original.js';
import { IdempotentSubmitter } from '../service/idempotent-submit.js';
import { ImageLifecycle } from '../service/image-lifecycle.js';
import { enqueueRender, ImageService } from '../service/image-service.js';
import { ImageWatcher } from '../service/image-watch.js';
import { type SweepReport, sweep } from '../service/maintenance.js';
import { createRenderJobHandler } from '../service/render-job.js';
import { Maintenance } from '../service/retention.js';
import { ImageNotifier, NotifyingImageStore } from '../service/status-events.js';
import { VariantRefresher } from '../service/variant-refresh.js';
import { createWebhookJobHandler, Webhooks } from '../service/webhooks.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { JobHandlers } from '../worker/worker.js';
import type { Fetchers } from './fetchers.js';

/** What the service objects are built on: the opened backends and this process's helpers. */
export interface ServicePorts {
  metadata: MetadataStores;
  keys: KeyStore;
  idempotency: IdempotencyStore;
  webhookSecrets: WebhookSecretStore;
  queue: JobQueue;
  blobs: BlobStore;
  events: ImageEvents;
  imaging: { probe: ImagingPool; render: ImagingPool };
  fetchers: Fetchers;
  diskSpace: DiskSpace;
  tempDir: string;
  logger: Logger;
  metrics: Metrics;
}

export interface Services {
  service: ImageService;
  handlers: JobHandlers;
  lifecycle: ImageLifecycle;
  watcher: ImageWatcher;
  refresher: VariantRefresher;
  /** Are keys required, which key a bearer token is. */
  access: ApiKeyVerifier;
  /** Uploads under an `Idempotency-Key` run once. */
  idempotentSubmit: IdempotentSubmitter;
  sweep(options?: { force?: boolean }): Promise<SweepReport>;
}

/**
 * The use cases, wired: every writer uses the metadata store that announces its changes (events, webhooks); uploads
 * probe in the probe children, everything that renders (jobs, re-renders, a fetched original's probe) in the render
 * children.
 */
export function buildServices(config: Config, ports: ServicePorts): Services {
  const { queue, blobs, events, logger } = ports;
  const view = (image: ImageRecord) => toImageView(image, config.presets, config.server.publicUrl ?? '');
  const webhooks = new Webhooks({ queue, globalUrl: config.webhooks.url, view, logger });
  // Every writer below announces what it committed: events and webhooks behind each status change.
  const images = new NotifyingImageStore(ports.metadata.images, new ImageNotifier({ events, webhooks, logger }));
  const { contents, maintenance: queries } = ports.metadata;
  const content = new ContentBlobs({ contents, blobs, logger });
  const refresher = new VariantRefresher({
    ...renderSettings(config, ports),
    images,
    contents,
    maintenance: queries,
    content,
    queue,
  });
  const lifecycle = new ImageLifecycle({
    images,
    maintenance: queries,
    content,
    enqueueRender: (imageId) => enqueueRender(queue, logger, imageId),
    logger,
  });
  const service = new ImageService({
    images,
    queue,
    blobs,
    diskSpace: ports.diskSpace,
    tempDir: ports.tempDir,
    logger,
    metrics: ports.metrics,
    presets: config.presets,
    limits: { ...config.limits },
    imager: ports.imaging.probe,
    content,
    refresher,
    allowLoopbackCallbacks: config.webhooks.allowLoopback,
    sourceUrlRules: ports.fetchers.sourceUrlRules,
  });
  const retention = buildMaintenance(config, { contents, maintenance: queries, blobs, content, lifecycle, logger });
  const sweepDeps = {
    tempDir: ports.tempDir,
    queries,
    enqueueRender: (imageId: string) => service.enqueueRender(imageId),
    staleMs: config.sweep.staleMs,
    processingStaleMs: config.sweep.processingStaleMs,
    retention,
    logger,
  };
  return {
    service,
    handlers: buildHandlers(config, ports, { images, content, refresher }),
    lifecycle,
    watcher: new ImageWatcher({ images, events, logger }),
    refresher,
    access: new ApiKeyVerifier(ports.keys),
    idempotentSubmit: new IdempotentSubmitter(ports.idempotency),
    sweep: (options) => sweep(sweepDeps, options),
  };
}

/** What everything that renders shares: the render children, presets, limits and time limit. */
function renderSettings(config: Config, ports: ServicePorts) {
  return {
    blobs: ports.blobs,
    presets: config.presets,
    limits: { ...config.limits },
    imager: ports.imaging.render,
    timeoutMs: config.jobs.timeoutMs,
    tempDir: ports.tempDir,
    logger: ports.logger,
  };
}

/** The job handler table: render (with dedup reuse and uploads by URL), rerender, webhook. */
function buildHandlers(
  config: Config,
  ports: ServicePorts,
  { images, content, refresher }: { images: ImageStore; content: ContentBlobs; refresher: VariantRefresher },
): JobHandlers {
  const render = createRenderJobHandler({
    ...renderSettings(config, ports),
    images,
    metrics: ports.metrics,
    reuseVariants: (image) => refresher.reusable(image),
    discardVariants: (image, variants) => content.discardOrphanedVariants(image, variants),
    fetchOriginal: createOriginalFetcher({
      fetcher: ports.fetchers.source,
      images,
      content,
      limits: config.limits,
      imager: ports.imaging.render,
      tempDir: ports.tempDir,
      logger: ports.logger,
    }),
  });
  return {
    render,
    rerender: refresher.createRerenderJobHandler(),
    webhook: createWebhookJobHandler({
      poster: ports.fetchers.webhook,
      secret: config.webhooks.secret,
      tenantSecrets: ports.webhookSecrets,
      metrics: ports.metrics,
      logger: ports.logger,
    }),
  };
}

/** Retention, leaked references and garbage collection, on the RETENTION_* and GC_* settings. */
function buildMaintenance(
  config: Config,
  deps: Pick<
    ConstructorParameters<typeof Maintenance>[0],
    'contents' | 'maintenance' | 'blobs' | 'content' | 'lifecycle' | 'logger'
  >,
): Maintenance {
  return new Maintenance({
    ...deps,
    retentionMs: config.lifecycle.retentionMs,
    gcIntervalMs: config.lifecycle.gcIntervalMs,
    gcGraceMs: config.lifecycle.gcGraceMs,
    referenceGraceMs: config.lifecycle.referenceGraceMs,
  });
}
