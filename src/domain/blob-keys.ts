import { ThumbsmithError } from './errors.js';

/**
 * Blob keys are derived by the server from ids and preset definitions, never taken from user input.
 * Every BlobStore adapter calls {@link assertValidKey} first, so a key that would escape the store's root (`..`, `/abs`)
 * or mean different things to a directory and to S3 (`a//b`, `./a`, upper case on case-insensitive disks) never
 * reaches storage.
 */
export const BLOB_KEY_MAX_LENGTH = 512;
/** NAME_MAX of common filesystems: a longer segment could not be a file name in the fs store. */
export const BLOB_KEY_MAX_SEGMENT_LENGTH = 255;

/** One or more segments of `[a-z0-9._-]`, separated by single slashes. */
const KEY_SHAPE = /^[a-z0-9._-]+(?:\/[a-z0-9._-]+)*$/;
/** A single key segment that starts with a letter or digit (so no `.`, `..` or hidden names). */
const COMPONENT_SHAPE = /^[a-z0-9][a-z0-9._-]*$/;

/** Key of an image's uploaded bytes: `originals/<id>`. */
export function originalKey(imageId: string): string {
  assertComponent('image id', imageId);
  return checked(`originals/${imageId}`);
}

/** Key of one rendered variant: `variants/<id>/<preset>-<version>.<ext>`. */
export function variantKey(imageId: string, presetName: string, presetVersion: string, extension: string): string {
  assertComponent('image id', imageId);
  assertComponent('preset name', presetName);
  assertComponent('preset version', presetVersion);
  assertComponent('extension', extension);
  return checked(`variants/${imageId}/${presetName}-${presetVersion}.${extension}`);
}

/** Prefix under which every variant of one image lives (for listing and deleting them together). */
export function variantPrefix(imageId: string): string {
  assertComponent('image id', imageId);
  return `variants/${imageId}/`;
}

export function isValidKey(key: string): boolean {
  return (
    key.length > 0 &&
    key.length <= BLOB_KEY_MAX_LENGTH &&
    KEY_SHAPE.test(key) &&
    !key.includes('..') &&
    key.split('/').every((segment) => !segment.startsWith('.') && segment.length <= BLOB_KEY_MAX_SEGMENT_LENGTH)
  );
}

/**
 * Throws `TS_INVALID_BLOB_KEY` unless `key` is one or more segments of `[a-z0-9._-]` joined by single slashes, with
 * no leading or trailing slash, no `..`, no segment that starts with a dot or is longer than 255 characters, and at
 * most 512 characters in all.
 */
export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw invalid(`Expected a blob key of [a-z0-9/._-] for key but received ${describe(key)}`);
}

/**
 * Throws `TS_INVALID_BLOB_KEY` unless `prefix` is empty (everything) or a valid key, optionally followed by one
 * trailing slash. Prefixes match like S3 prefixes: by string, not by whole segment (`a/b` matches `a/bc/d`).
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!isValidKey(body)) throw invalid(`Expected a blob key prefix of [a-z0-9/._-] but received ${describe(prefix)}`);
}

function assertComponent(name: string, value: string): void {
  if (!COMPONENT_SHAPE.test(value) || value.includes('..')) {
    throw invalid(`Expected [a-z0-9._-] starting with a letter or digit for ${name} but received ${describe(value)}`);
  }
}

function checked(key: string): string {
  assertValidKey(key);
  return key;
}

function invalid(detail: string): ThumbsmithError {
  return new ThumbsmithError('TS_INVALID_BLOB_KEY', detail);
}

function describe(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
