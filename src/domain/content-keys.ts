import { randomBytes } from 'node:crypto';
import { assertValidKey, variantKey } from './blob-keys.js';
import { ThumbsmithError } from './errors.js';

/**
 * One tenant's stored copy of some bytes: the original and every variant rendered from it live under
 * `content/<sha256>/<generation>/`, shared by every image of that tenant with the same SHA-256.
 *
 * The generation is new each time the content is stored after having been gone: a content whose last reference is
 * dropped has its row removed before its blobs are deleted, and an upload of the same bytes that comes later gets a
 * fresh generation and so a fresh prefix. The deletion of the old prefix and the writes of the new one can never
 * touch the same key, which is what makes reference-counted deletion safe under concurrency (see
 * service/content-blobs.ts).
 */
export interface ContentRef {
  readonly tenant: string;
  readonly sha256: string;
  readonly generation: string;
  /** `content/<sha256>/<generation>/original`. */
  readonly originalKey: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** 12 hex digits of epoch milliseconds, then 12 random hex digits: sorts by time, tells its age. */
const GENERATION = /^[0-9a-f]{24}$/;
const CONTENT_KEY = /^content\/([0-9a-f]{64})\/([0-9a-f]{24})\/[a-z0-9][a-z0-9._-]*$/;
const LEGACY_ORIGINAL = /^originals\/(img_[0-9a-z]{26})$/;
const LEGACY_VARIANT = /^variants\/(img_[0-9a-z]{26})\/[a-z0-9][a-z0-9._-]*$/;

export function newContentGeneration(now: number = Date.now()): string {
  return `${Math.floor(now).toString(16).padStart(12, '0').slice(-12)}${randomBytes(6).toString('hex')}`;
}

/** Epoch milliseconds at which a generation was made (its first 12 hex digits). */
export function contentGenerationTime(generation: string): number {
  return Number.parseInt(generation.slice(0, 12), 16);
}

export function contentPrefix(sha256: string, generation: string): string {
  if (!SHA256.test(sha256)) throw invalid(`Expected a lowercase hex SHA-256 but received ${JSON.stringify(sha256)}`);
  if (!GENERATION.test(generation)) {
    throw invalid(`Expected a content generation of 24 hex digits but received ${JSON.stringify(generation)}`);
  }
  return `content/${sha256}/${generation}/`;
}

/** Key of the uploaded bytes: `content/<sha256>/<generation>/original`. */
export function contentOriginalKey(sha256: string, generation: string): string {
  const key = `${contentPrefix(sha256, generation)}original`;
  assertValidKey(key);
  return key;
}

/**
 * Key of one variant of an image, derived from its original's key: `content/<sha256>/<generation>/<preset>-<version>.<ext>`
 * for content-addressed originals, `variants/<id>/<preset>-<version>.<ext>` for images stored before content
 * addressing (original `originals/<id>`).
 */
export function variantKeyFor(
  originalKey: string,
  imageId: string,
  presetName: string,
  presetVersion: string,
  extension: string,
): string {
  const content = parseContentKey(originalKey);
  if (!content) return variantKey(imageId, presetName, presetVersion, extension);
  // variantKey validates every component; its `variants/<id>/` prefix is swapped for the content prefix.
  const name = variantKey(imageId, presetName, presetVersion, extension).slice(`variants/${imageId}/`.length);
  const key = `${contentPrefix(content.sha256, content.generation)}${name}`;
  assertValidKey(key);
  return key;
}

/** The SHA-256 and generation of a key under `content/`, or `undefined` for any other key. */
export function parseContentKey(key: string): { sha256: string; generation: string } | undefined {
  const match = CONTENT_KEY.exec(key);
  return match ? { sha256: match[1]!, generation: match[2]! } : undefined;
}

/** The image id of a key of the layout before content addressing (`originals/<id>`, `variants/<id>/…`). */
export function parseLegacyKey(key: string): string | undefined {
  return (LEGACY_ORIGINAL.exec(key) ?? LEGACY_VARIANT.exec(key))?.[1];
}

function invalid(detail: string): ThumbsmithError {
  return new ThumbsmithError('TS_INVALID_BLOB_KEY', detail);
}
