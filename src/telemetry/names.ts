/**
 * Every metric, span and attribute name Thumbsmith emits, in one place, so dashboards, alerts and docs can rely on
 * them. Metric names follow Prometheus conventions (`thumbsmith_` prefix, base units, `_total` for counters and
 * only for counters). The runtime's own (`process_*`, `nodejs_*`) keep prom-client's standard names.
 */

/**
 * prom-client's default gauges that end in `_total`, against the convention that keeps the suffix for counters:
 * not served. Each is the sum of its labelled twin (`sum(nodejs_active_handles)` is `nodejs_active_handles_total`).
 */
export const DROPPED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

export const METRICS = {
  info: 'thumbsmith_info',
  httpRequests: 'thumbsmith_http_requests_total',
  httpRequestDuration: 'thumbsmith_http_request_duration_seconds',
  uploads: 'thumbsmith_uploads_total',
  uploadSize: 'thumbsmith_upload_size_bytes',
  jobs: 'thumbsmith_jobs_total',
  stageDuration: 'thumbsmith_job_stage_duration_seconds',
  uploadToDone: 'thumbsmith_upload_to_done_seconds',
  queueJobs: 'thumbsmith_queue_jobs',
  queueOldestWaitingAge: 'thumbsmith_queue_oldest_waiting_age_seconds',
  workerActiveJobs: 'thumbsmith_worker_active_jobs',
  workerConcurrency: 'thumbsmith_worker_concurrency',
  workerLastHeartbeat: 'thumbsmith_worker_last_heartbeat_timestamp_seconds',
  dependencyDuration: 'thumbsmith_dependency_duration_seconds',
  rateLimitStoreErrors: 'thumbsmith_rate_limit_store_errors_total',
  webhookDeliveries: 'thumbsmith_webhook_deliveries_total',
  webhookDeliveryDuration: 'thumbsmith_webhook_delivery_duration_seconds',
} as const;

/** Stages of one render job, in order. `encode` and `store` are observed once per preset. */
export const STAGES = ['queue_wait', 'load', 'inspect', 'decode', 'encode', 'store'] as const;
export type Stage = (typeof STAGES)[number];

/** `accepted` (202), `rejected` (4xx: the client's fault), `failed` (5xx: ours). */
export const UPLOAD_OUTCOMES = ['accepted', 'rejected', 'failed'] as const;
export type UploadOutcome = (typeof UPLOAD_OUTCOMES)[number];

/**
 * What one delivery of a job ended in: `done`, `failed` (for good: permanent error or attempts exhausted),
 * `retried` (transient error, delivered again after backoff), `dropped` (image deleted or already finished).
 */
export const JOB_OUTCOMES = ['done', 'failed', 'retried', 'dropped'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/**
 * What one webhook delivery attempt ended in: `delivered` (2xx), `retried` (another answer or none; tried again after
 * backoff), `gave_up` (the same on the last attempt), `dropped` (the URL cannot be delivered to, e.g. a private address).
 */
export const WEBHOOK_OUTCOMES = ['delivered', 'retried', 'gave_up', 'dropped'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** The ports, as dependencies in metrics and spans. */
export const DEPENDENCIES = ['database', 'queue', 'storage'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** Span attribute keys: OpenTelemetry semantic conventions where one fits, `thumbsmith.*` otherwise. */
export const ATTR = {
  imageId: 'thumbsmith.image.id',
  imageFormat: 'thumbsmith.image.format',
  imageMegapixels: 'thumbsmith.image.megapixels',
  imageBytes: 'thumbsmith.image.bytes',
  preset: 'thumbsmith.preset',
  stage: 'thumbsmith.stage',
  jobId: 'thumbsmith.job.id',
  jobName: 'thumbsmith.job.name',
  jobAttempt: 'thumbsmith.job.attempt',
  errorCode: 'thumbsmith.error.code',
  blobKey: 'thumbsmith.blob.key',
  dependency: 'thumbsmith.dependency',
  operation: 'thumbsmith.operation',
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  urlPath: 'url.path',
  dbSystem: 'db.system.name',
  messagingSystem: 'messaging.system',
  requestId: 'thumbsmith.request.id',
} as const;

/** Log line keys for the ids that tie lines together (`trace_id`/`span_id` as OpenTelemetry's log bridges write them). */
export const LOG_KEYS = {
  requestId: 'reqId',
  imageId: 'imageId',
  jobId: 'jobId',
  attempt: 'attempt',
  traceId: 'trace_id',
  spanId: 'span_id',
} as const;
