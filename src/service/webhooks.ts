import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ThumbsmithError, toThumbsmithError } from '../domain/errors.js';
import type { ImageRecord } from '../domain/image.js';
import { checkUrl } from '../fetcher/url-policy.js';
import type { ClaimedJob, JobQueue } from '../ports/job-queue.js';
import type { WebhookSecretStore } from '../ports/webhook-secret-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { WebhookOutcome } from '../telemetry/names.js';

/** The event types a webhook receives. */
export const WEBHOOK_EVENT_TYPES = ['image.done', 'image.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The Standard Webhooks headers (https://www.standardwebhooks.com), lower case as HTTP/2 wants them. */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** The body of every delivery: the specification's recommended shape; `data` is the image as the API shows it. */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened (the image finished), ISO 8601. */
  timestamp: string;
  data: unknown;
}

const MAX_CALLBACK_URL_LENGTH = 2048;

export interface WebhooksDeps {
  queue: Pick<JobQueue, 'enqueue'>;
  /** Receives every image's events, besides each image's own `callback_url`. */
  globalUrl: string | undefined;
  /** The JSON face of an image, as the API shows it (http/image-view.ts, wired in compose). */
  view: (image: ImageRecord) => unknown;
  logger: Logger;
}

/**
 * Turns finished images into webhook deliveries: one durable `webhook` job per event and URL. The event id is
 * derived from the image and the moment it finished, so enqueueing the same event twice (a redelivered render job,
 * see service/status-events.ts) gives the same job id — deduplicated while pending — and, at worst, a second
 * delivery with the same `webhook-id` for the receiver to drop.
 */
export class Webhooks {
  readonly #deps: WebhooksDeps;

  constructor(deps: WebhooksDeps) {
    this.#deps = deps;
  }

  /**
   * Enqueues `image.done` / `image.failed` for the global URL (signed with WEBHOOK_SECRET) and the image's callback
   * URL (signed with its tenant's secrets); other statuses: none. A callback URL equal to the global URL is the
   * operator's receiver and gets one delivery, the global one.
   */
  async enqueueFor(image: ImageRecord): Promise<void> {
    const type = eventTypeOf(image);
    if (!type) return;
    const { globalUrl } = this.#deps;
    const recipients: { url: string; tenant?: string }[] = globalUrl ? [{ url: globalUrl }] : [];
    if (image.callbackUrl !== undefined && image.callbackUrl !== globalUrl) {
      recipients.push({ url: image.callbackUrl, tenant: image.tenant });
    }
    if (recipients.length === 0) return;
    const eventId = webhookEventId(image);
    const payload: WebhookPayload = {
      type,
      timestamp: (image.completedAt ?? image.updatedAt).toISOString(),
      data: this.#deps.view(image),
    };
    const body = JSON.stringify(payload);
    for (const { url, tenant } of recipients) {
      await this.#deps.queue.enqueue(
        {
          name: 'webhook',
          data: { eventId, eventType: type, url, body, imageId: image.id, ...(tenant && { tenant }) },
        },
        { jobId: `webhook:${eventId}:${createHash('sha256').update(url).digest('hex').slice(0, 16)}` },
      );
    }
  }
}

function eventTypeOf(image: ImageRecord): WebhookEventType | undefined {
  if (image.status === 'done') return 'image.done';
  if (image.status === 'failed') return 'image.failed';
  return undefined;
}

/** Stable per finish: the same image finishing again (after a retry) is a new event, a redelivery is not. */
export function webhookEventId(image: ImageRecord): string {
  const finishedAt = (image.completedAt ?? image.updatedAt).getTime();
  return `evt_${createHash('sha256').update(`${image.id}:${image.status}:${finishedAt}`).digest('hex').slice(0, 32)}`;
}

/**
 * The `webhook-signature` value: one `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated
 * (the specification's form for several keys: a receiver accepts the delivery when any one verifies).
 */
export function signWebhook(secrets: readonly string[], eventId: string, at: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(eventId, at, body)).join(' ');
}

/**
 * Which secrets sign a delivery, read when it is sent (so a rotation applies to retries too): for a callback URL,
 * its tenant's secrets that sign now, or WEBHOOK_SECRET when the tenant has none; for the global WEBHOOK_URL (no
 * tenant), WEBHOOK_SECRET. None: the delivery goes unsigned.
 */
export async function signingSecrets(
  deps: Pick<WebhookJobDeps, 'tenantSecrets' | 'secret'>,
  tenant: string | undefined,
  at: Date,
): Promise<string[]> {
  if (tenant !== undefined) {
    const own = await deps.tenantSecrets.signing(tenant, at);
    if (own.length > 0) return own.map((record) => record.secret);
  }
  return deps.secret === undefined ? [] : [deps.secret];
}

/**
 * Vets a per-upload `callback_url` before anything is stored: http(s), no credentials, at most 2048 characters, not
 * a non-public IP literal (nor loopback unless allowed). Host names are vetted again at every delivery, at connect
 * time, by the guarded fetcher. Throws `TS_INVALID_CALLBACK_URL` saying why.
 */
export function checkCallbackUrl(url: string, allowLoopback: boolean): string {
  if (url.length > MAX_CALLBACK_URL_LENGTH) {
    throw new ThumbsmithError('TS_INVALID_CALLBACK_URL', `The callback URL is longer than ${MAX_CALLBACK_URL_LENGTH}.`);
  }
  try {
    return checkUrl(url, { allowedHosts: undefined, allowLoopback }).href;
  } catch (error) {
    const reason = error instanceof ThumbsmithError ? error.detail : 'The URL is not valid';
    throw new ThumbsmithError('TS_INVALID_CALLBACK_URL', `callback_url: ${reason}.`, { cause: error });
  }
}

/** What the delivery needs of the outbound HTTP client (the SSRF-guarded fetcher's `post`). */
export interface WebhookPoster {
  post(url: string, body: Buffer, headers: Record<string, string>, signal?: AbortSignal): Promise<{ status: number }>;
}

export interface WebhookJobDeps {
  poster: WebhookPoster;
  /** WEBHOOK_SECRET: signs the global URL's deliveries, and callbacks of tenants without a secret of their own. */
  secret: string | undefined;
  tenantSecrets: Pick<WebhookSecretStore, 'signing'>;
  metrics: Pick<Metrics, 'webhookDelivery'>;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Delivers one event to one URL. A 2xx answer acknowledges it; any other answer or no answer throws, and the queue
 * delivers again after its exponential backoff until the attempts run out (then the job is dead and logged). A URL
 * the fetcher refuses (non-public address) is dropped at once: retrying cannot help. Every attempt carries the
 * event's one `webhook-id` and is signed anew with its own `webhook-timestamp` and the secrets that sign at that
 * moment, so receivers can reject replays of old deliveries and a rotation reaches retries. Each attempt counts in
 * `thumbsmith_webhook_deliveries_total` and `thumbsmith_webhook_delivery_duration_seconds`.
 */
export function createWebhookJobHandler(deps: WebhookJobDeps) {
  return async function webhookJob(job: ClaimedJob<'webhook'>, signal: AbortSignal): Promise<void> {
    const { eventId, eventType, url, body, imageId, tenant } = job.data;
    const log = deps.logger.child({ imageId, eventId, jobId: job.id, attempt: job.attempt });
    const at = deps.clock?.() ?? new Date();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [WEBHOOK_HEADERS.id]: eventId,
      [WEBHOOK_HEADERS.timestamp]: String(Math.floor(at.getTime() / 1000)),
    };
    const secrets = await signingSecrets(deps, tenant, at);
    if (secrets.length > 0) headers[WEBHOOK_HEADERS.signature] = signWebhook(secrets, eventId, at, body);
    const started = performance.now();
    const finish = (outcome: WebhookOutcome) =>
      deps.metrics.webhookDelivery(outcome, (performance.now() - started) / 1000);
    let status: number;
    try {
      ({ status } = await deps.poster.post(url, Buffer.from(body), headers, signal));
    } catch (thrown) {
      const error = toThumbsmithError(thrown);
      if (!error.retryable) {
        finish('dropped');
        log.warn({ code: error.code, detail: error.detail }, 'webhook dropped: the URL cannot be delivered to');
        return;
      }
      finish(failedOutcome(job));
      logFailure(log, job, error.code, undefined);
      throw error;
    }
    if (status >= 200 && status < 300) {
      finish('delivered');
      log.info({ status, type: eventType }, 'webhook delivered');
      return;
    }
    finish(failedOutcome(job));
    logFailure(log, job, 'TS_WEBHOOK_REJECTED', status);
    throw new ThumbsmithError('TS_WEBHOOK_REJECTED', `The webhook receiver answered ${status}.`, {
      extensions: { upstreamStatus: status },
    });
  };
}

const failedOutcome = (job: ClaimedJob<'webhook'>): WebhookOutcome =>
  job.attempt >= job.maxAttempts ? 'gave_up' : 'retried';

function logFailure(log: Logger, job: ClaimedJob<'webhook'>, code: string, status: number | undefined): void {
  if (failedOutcome(job) === 'gave_up') log.error({ code, status }, 'webhook given up: every attempt failed');
  else log.warn({ code, status }, 'webhook delivery failed; it will be retried');
}
