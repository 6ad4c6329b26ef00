import type { Config } from '../config/config.js';
import { createSafeFetcher, type SafeFetcher, type UrlRules } from '../fetcher/index.js';
import type { Closers } from '../lib/closers.js';

export interface Fetchers {
  /** Webhook deliveries: public addresses only (loopback with WEBHOOK_ALLOW_LOOPBACK), no redirects, small answers. */
  webhook: SafeFetcher;
  /** Uploads by URL: their own allow-list, loopback exception, time limit and byte cap (MAX_UPLOAD_BYTES). */
  source: SafeFetcher;
  /** The rules `source` applies, for refusing a URL at once when it is submitted. */
  sourceUrlRules: UrlRules;
}

/** The two SSRF-guarded outbound clients. */
export function openFetchers(config: Config, closers: Closers): Fetchers {
  const webhook = createSafeFetcher({
    allowedHosts: undefined,
    allowLoopback: config.webhooks.allowLoopback,
    maxBytes: 64 * 1024,
    timeoutMs: config.webhooks.timeoutMs,
    maxRedirects: 0,
    userAgent: 'Thumbsmith-Webhook/1',
  });
  closers.add('webhook fetcher', () => webhook.close());
  const sourceUrlRules: UrlRules = {
    allowedHosts: config.fetch.allowedHosts,
    allowLoopback: config.fetch.allowLoopback,
  };
  const source = createSafeFetcher({
    ...sourceUrlRules,
    maxBytes: config.limits.maxUploadBytes,
    timeoutMs: config.fetch.timeoutMs,
    maxRedirects: config.fetch.maxRedirects,
    userAgent: 'Thumbsmith/1 (image fetcher)',
  });
  closers.add('source fetcher', () => source.close());
  return { webhook, source, sourceUrlRules };
}
