import type { Migration } from 'kysely';
import * as createImages from './0001-create-images.js';
import * as workerHeartbeats from './0002-worker-heartbeats.js';
import * as lifecycle from './0003-lifecycle.js';
import * as security from './0004-security.js';
import * as uploadByUrl from './0005-upload-by-url.js';
import * as webhookSecrets from './0006-webhook-secrets.js';

/**
 * Every metadata migration, old and new, for both dialects. Kysely runs them in key order, so keys are
 * zero-padded and only ever appended.
 */
export const METADATA_MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_create_images': createImages,
  '0002_worker_heartbeats': workerHeartbeats,
  '0003_lifecycle': lifecycle,
  '0004_security': security,
  '0005_upload_by_url': uploadByUrl,
  '0006_webhook_secrets': webhookSecrets,
});
