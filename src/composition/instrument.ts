import type { Config } from '../config/config.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { instrumentPort } from '../telemetry/instrument-port.js';
import type { Metrics } from '../telemetry/metrics.js';
import { ATTR } from '../telemetry/names.js';
import { traceQueue } from '../telemetry/traced-queue.js';
import { DATABASE_SYSTEM, QUEUE_SYSTEM } from './backends.js';

interface Ports {
  metadata: MetadataStore;
  queue: JobQueue;
  blobs: BlobStore;
}

/**
 * Every port call gets a span (inside a trace) and a latency observation, and every job carries the trace context
 * of its upload to the worker; the service sees the same port interfaces.
 */
export function instrumentPorts(ports: Ports, config: Config, metrics: Metrics): Ports {
  const metadata = instrumentPort(ports.metadata, {
    dependency: 'database',
    name: 'metadata',
    attributes: { [ATTR.dbSystem]: DATABASE_SYSTEM[config.database.kind] },
    describe: (_method, args) =>
      typeof args[0] === 'string' && args[0].startsWith('img_') ? { [ATTR.imageId]: args[0] } : {},
    skip: ['close'],
    metrics,
  });
  const queue = traceQueue(ports.queue, { system: QUEUE_SYSTEM[config.queue.kind], metrics });
  const blobs = instrumentPort(ports.blobs, {
    dependency: 'storage',
    name: 'blobs',
    attributes: { 'thumbsmith.storage.system': config.storage.kind },
    describe: (_method, args) => (typeof args[0] === 'string' ? { [ATTR.blobKey]: args[0] } : {}),
    skip: ['list', 'localPath', 'close'],
    metrics,
  });
  return { metadata, queue, blobs };
}
