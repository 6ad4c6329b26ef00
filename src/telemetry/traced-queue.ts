import type { ClaimedJob, ConsumerOptions, EnqueueOptions, JobHandler, JobItem, JobQueue } from '../ports/job-queue.js';
import { instrumentPort, noAttributes } from './instrument-port.js';
import { withLogFields } from './log-context.js';
import type { Metrics } from './metrics.js';
import { ATTR } from './names.js';
import { injectTraceContext, type SpanAttributes, span, startSpan } from './tracing.js';

/**
 * The JobQueue with the trace carried across it: `enqueue` runs in a producer span and stores that span's context
 * in the job's carrier (unless the caller gave one); every delivery runs its handler in a consumer span whose parent
 * is the carrier's context, so one upload is one trace from the HTTP request to the last stored thumbnail, in
 * whichever process the job runs. Each delivery also gets fresh log fields (image id, job id, attempt) and, on its
 * first delivery, its time in the queue (`queue_wait`) as a histogram observation and a back-dated span.
 */
export function traceQueue(queue: JobQueue, options: { system: string; metrics?: Metrics }): JobQueue {
  const { metrics } = options;
  const system = { [ATTR.messagingSystem]: options.system };
  // enqueue and consume carry the trace themselves (below); the other calls get the generic span and latency.
  const inner = instrumentPort<Pick<JobQueue, 'counts' | 'ping'>>(queue, {
    dependency: 'queue',
    name: 'queue',
    attributes: system,
    methods: { counts: noAttributes, ping: noAttributes },
    metrics,
  });
  return {
    enqueue: async (job: JobItem, enqueueOptions: EnqueueOptions) => {
      const started = performance.now();
      let ok = false;
      try {
        await span(
          `queue.enqueue ${job.name}`,
          { ...system, ...jobAttributes(job), [ATTR.jobId]: enqueueOptions.jobId },
          () => queue.enqueue(job, { ...enqueueOptions, carrier: enqueueOptions.carrier ?? injectTraceContext() }),
          { role: 'producer' },
        );
        ok = true;
      } finally {
        metrics?.dependencyCall('queue', 'enqueue', (performance.now() - started) / 1000, ok);
      }
    },
    consume: (handler: JobHandler, consumerOptions: ConsumerOptions) =>
      queue.consume((job, signal) => runDelivery(job, signal, handler, system, metrics), consumerOptions),
    counts: () => inner.counts(),
    ping: () => inner.ping(),
    close: () => queue.close(),
  };
}

function jobAttributes(job: Pick<JobItem, 'name' | 'data'>): SpanAttributes {
  return { [ATTR.jobName]: job.name, [ATTR.imageId]: job.data.imageId };
}

function runDelivery(
  job: ClaimedJob,
  signal: AbortSignal,
  handler: JobHandler,
  system: SpanAttributes,
  metrics: Metrics | undefined,
): Promise<void> {
  const claimedAt = new Date();
  const attributes = { ...system, ...jobAttributes(job), [ATTR.jobId]: job.id, [ATTR.jobAttempt]: job.attempt };
  // The carrier, not whatever context woke this worker, is the parent: an in-process enqueue must not leak in.
  const delivery = startSpan(`job.${job.name}`, attributes, { role: 'consumer', carrier: job.carrier });
  return withLogFields(
    { imageId: job.data.imageId, jobId: job.id, attempt: job.attempt },
    () =>
      delivery.run(async () => {
        if (job.attempt === 1) {
          metrics?.stage('queue_wait', Math.max(0, claimedAt.getTime() - job.enqueuedAt.getTime()) / 1000);
          // A sibling of the delivery under the enqueue span: the gap between enqueue and claim.
          const waited = { [ATTR.stage]: 'queue_wait' };
          startSpan('stage.queue_wait', waited, { carrier: job.carrier, startTime: job.enqueuedAt }).end();
        }
        try {
          await handler(job, signal);
        } catch (error) {
          delivery.fail(error);
          throw error;
        } finally {
          delivery.end();
        }
      }),
    { fresh: true },
  );
}
