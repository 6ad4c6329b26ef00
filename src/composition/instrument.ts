import type { Config } from '../config/config.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MetadataStores } from '../ports/metadata-store.js';
import { instrumentBlobStore, instrumentMetadataStores } from '../telemetry/instrumented-ports.js';
import type { Metrics } from '../telemetry/metrics.js';
import { traceQueue } from '../telemetry/traced-queue.js';
import { DATABASE_SYSTEM, QUEUE_SYSTEM } from './backends.js';

interface Ports {
  metadata: MetadataStores;
  queue: JobQueue;
  blobs: BlobStore;
}

/**
 * Every port call gets a span (inside a trace) and a latency observation, and every job carries the trace context
 * of its upload to the worker; the service sees the same port interfaces.
 */
export function instrumentPorts(ports: Ports, config: Config, metrics: Metrics): Ports {
  return {
    metadata: instrumentMetadataStores(ports.metadata, { system: DATABASE_SYSTEM[config.database.kind], metrics }),
    queue: traceQueue(ports.queue, { system: QUEUE_SYSTEM[config.queue.kind], metrics }),
    blobs: instrumentBlobStore(ports.blobs, { system: config.storage.kind, metrics }),
  };
}
