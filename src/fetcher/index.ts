// The outbound HTTP fetcher for upload-by-URL and webhooks (SSRF-guarded).
export { isPublicAddress } from './address-policy.js';
export type { ConnectAttempt } from './guarded-connector.js';
export {
  createSafeFetcher,
  FETCH_POLICY_DEFAULTS,
  type FetchedBody,
  type FetchPolicy,
  type SafeFetcher,
  type SafeFetcherHooks,
} from './safe-fetcher.js';
export { checkUrl, redactUrl, type UrlRules } from './url-policy.js';
