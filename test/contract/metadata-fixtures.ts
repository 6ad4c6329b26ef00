import { afterEach, beforeEach, expect } from 'vitest';
import type { OpenMetadataStores } from '../../src/adapters/sql/kysely-metadata-stores.js';
import { type ContentRef, contentOriginalKey, newContentGeneration } from '../../src/domain/content-keys.js';
import { ThumbsmithError } from '../../src/domain/errors.js';
import { newImageId } from '../../src/domain/ids.js';
import type { ImageError, ImageRecord, NewImage, Variant } from '../../src/domain/image.js';
import type { ImageStore } from '../../src/ports/image-store.js';

/** The metadata stores of one empty, migrated database; `cleanup` closes and removes it. */
export interface MetadataStoresUnderTest {
  stores: OpenMetadataStores;
  cleanup(): Promise<void>;
}

export type MakeMetadataStores = () => Promise<MetadataStoresUnderTest>;

/** Fresh stores for every test of the enclosing `describe`, handed to `use`, and cleaned up after it. */
export function useFreshStores(makeStores: MakeMetadataStores, use: (stores: OpenMetadataStores) => void): void {
  let subject: MetadataStoresUnderTest;
  beforeEach(async () => {
    subject = await makeStores();
    use(subject.stores);
  });
  afterEach(async () => {
    await subject.cleanup();
  });
}

// Fixed instants with a millisecond part, so a store that truncates to seconds fails.
export const T0 = new Date('2026-03-04T05:06:07.891Z');
export const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);
export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);

export const TRANSIENT: ImageError = { code: 'TS_STORAGE_UNAVAILABLE', message: 'blob store timed out' };
export const PERMANENT: ImageError = { code: 'TS_IMAGE_CORRUPT', message: 'premature end of JPEG' };

/** A file upload with every original field at an edge: a size over 2^32, a non-ASCII file name. */
export function newImage(overrides: Partial<NewImage> = {}): NewImage {
  return {
    id: newImageId(T0.getTime()),
    tenant: 'tenant-a',
    createdAt: T0,
    original: {
      key: 'originals/ab/cd/original',
      format: 'jpeg',
      width: 4032,
      height: 3024,
      // Larger than 2^32: a 32-bit column or an int8-as-string leak shows up here.
      bytes: 5_000_000_123,
      sha256: SHA_A,
      frames: 1,
      filename: 'Été à Zürich 📷.jpg',
    },
    ...overrides,
  };
}

export function variantSet(tag: string): Variant[] {
  return [
    {
      preset: 'small',
      presetVersion: `v-small-${tag}`,
      key: `thumbs/${tag}/small.jpg`,
      width: 150,
      height: 113,
      format: 'jpeg',
      contentType: 'image/jpeg',
      bytes: 4_321,
      sha256: '1'.repeat(64),
    },
    {
      preset: 'large',
      presetVersion: `v-large-${tag}`,
      key: `thumbs/${tag}/large.webp`,
      width: 800,
      height: 600,
      format: 'webp',
      contentType: 'image/webp',
      bytes: 98_765,
      sha256: '2'.repeat(64),
    },
  ];
}

export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ThumbsmithError);
  expect((error as ThumbsmithError).code).toBe(code);
}

export function contentRef(
  tenant: string,
  sha256: string,
  generation = newContentGeneration(T0.getTime()),
): ContentRef {
  return { tenant, sha256, generation, originalKey: contentOriginalKey(sha256, generation) };
}

export interface ContentImageOptions {
  tenant?: string;
  createdAt?: Date;
  content?: ContentRef;
  callbackUrl?: string;
}

/** An image holding `content` (by default the tenant's content `SHA_A`), as uploads store them. */
export function imageOfContent(options: ContentImageOptions = {}): NewImage {
  const createdAt = options.createdAt ?? T0;
  const content = options.content ?? contentRef(options.tenant ?? 'tenant-a', SHA_A);
  return {
    id: newImageId(createdAt.getTime()),
    tenant: options.tenant ?? content.tenant,
    createdAt,
    original: {
      key: content.originalKey,
      format: 'png',
      width: 640,
      height: 480,
      bytes: 12_345,
      sha256: content.sha256,
      frames: 1,
      filename: null,
    },
    ...(options.callbackUrl !== undefined && { callbackUrl: options.callbackUrl }),
  };
}

export function contentVariants(tag: string): Variant[] {
  return [
    {
      preset: 'small',
      presetVersion: `v-${tag}`,
      key: `content/${SHA_A}/x/small-${tag}.jpg`,
      width: 150,
      height: 113,
      format: 'jpeg',
      contentType: 'image/jpeg',
      bytes: 4_321,
      sha256: '1'.repeat(64),
    },
  ];
}

/** Rows in a given state, written through the image store the suite is testing. */
export function imageSteps(images: () => ImageStore) {
  return {
    /** A new file upload, claimed once. */
    async processing(image: NewImage = newImage()): Promise<ImageRecord> {
      await images().createImage(image);
      const record = await images().markProcessing(image.id, 1, at(1_000));
      expect(record?.status).toBe('processing');
      return record!;
    },
    async create(options: ContentImageOptions = {}): Promise<ImageRecord> {
      return images().createImage(imageOfContent(options));
    },
    async done(options: ContentImageOptions = {}, tag = 'one'): Promise<ImageRecord> {
      const image = await images().createImage(imageOfContent(options));
      await images().markProcessing(image.id, 1, at(10));
      return (await images().markDone(image.id, contentVariants(tag), at(20)))!;
    },
  };
}
