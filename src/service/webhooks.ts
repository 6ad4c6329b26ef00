import { createHash, createHmac } from 'node:crypto';
import { ThumbsmithError, toThumbsmithError } from '../domain/errors.js';
import type { ImageRecord } from '../domain/image.js';
import { checkUrl } from '../fetcher/url-policy.js';
import type { ClaimedJob, JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../telemetry/logger.js';

/** The event types a webhook receives. */
export const WEBHOOK_EVENT_TYPES = ['image.done', 'image.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Header names (lower case, as HTTP/2 wants them). */
export const WEBHOOK_HEADERS = {
  signature: 'thumbsmith-signature',
  eventId: 'thumbsmith-event-id',
  eventType: 'thumbsmith-event-type',
} as const;

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
 * delivery with the same `Thumbsmith-Event-Id` for the receiver to drop.
 */
export class Webhooks {
  readonly #deps: WebhooksDeps;

  constructor(deps: WebhooksDeps) {
    this.#deps = deps;
  }

  /** Enqueues `image.done` / `image.failed` for the image's callback URL and the global URL; other statuses: none. */
  async enqueueFor(image: ImageRecord): Promise<void> {
    const type = eventTypeOf(image);
    if (!type) return;
    const urls = [...new Set([image.callbackUrl, this.#deps.globalUrl].filter((url) => url !== undefined))];
    if (urls.length === 0) return;
    const eventId = webhookEventId(image);
    const finishedAt = image.completedAt ?? image.updatedAt;
    const body = JSON.stringify({
      id: eventId,
      type,
      createdAt: finishedAt.toISOString(),
      image: this.#deps.view(image),
    });
    for (const url of urls) {
      await this.#deps.queue.enqueue(
        { name: 'webhook', data: { eventId, eventType: type, url, body, imageId: image.id } },
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

/** `v1` signature: hex HMAC-SHA256 of `${timestamp}.${body}` with the shared secret. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
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
  /** Signs deliveries when set (`Thumbsmith-Signature: t=<unix seconds>,v1=<hex>`). */
  secret: string | undefined;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Delivers one event to one URL. A 2xx answer acknowledges it; any other answer or no answer throws, and the queue
 * delivers again after its exponential backoff until the attempts run out (then the job is dead and logged). A URL
 * the fetcher refuses (non-public address) is dropped at once: retrying cannot help. Each attempt is signed with its
 * own timestamp, so receivers can reject replays of old deliveries.
 */
export function createWebhookJobHandler(deps: WebhookJobDeps) {
  return async function webhookJob(job: ClaimedJob<'webhook'>, signal: AbortSignal): Promise<void> {
    const { eventId, eventType, url, body, imageId } = job.data;
    const log = deps.logger.child({ imageId, eventId, jobId: job.id, attempt: job.attempt });
    const timestamp = Math.floor((deps.clock?.() ?? new Date()).getTime() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [WEBHOOK_HEADERS.eventId]: eventId,
      [WEBHOOK_HEADERS.eventType]: eventType,
    };
    if (deps.secret)
      headers[WEBHOOK_HEADERS.signature] = `t=${timestamp},v1=${signWebhook(deps.secret, timestamp, body)}`;
    let status: number;
    try {
      ({ status } = await deps.poster.post(url, Buffer.from(body), headers, signal));
    } catch (thrown) {
      const error = toThumbsmithError(thrown);
      if (!error.retryable) {
        log.warn({ code: error.code, detail: error.detail }, 'webhook dropped: the URL cannot be delivered to');
        return;
      }
      logFailure(log, job, error.code, undefined);
      throw error;
    }
    if (status >= 200 && status < 300) {
      log.info({ status, type: eventType }, 'webhook delivered');
      return;
    }
    logFailure(log, job, 'TS_WEBHOOK_REJECTED', status);
    throw new ThumbsmithError('TS_WEBHOOK_REJECTED', `The webhook receiver answered ${status}.`, {
      extensions: { upstreamStatus: status },
    });
  };
}

function logFailure(log: Logger, job: ClaimedJob<'webhook'>, code: string, status: number | undefined): void {
  if (job.attempt >= job.maxAttempts) log.error({ code, status }, 'webhook given up: every attempt failed');
  else log.warn({ code, status }, 'webhook delivery failed; it will be retried');
}
