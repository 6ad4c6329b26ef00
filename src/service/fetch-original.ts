import { ThumbsmithError } from '../domain/errors.js';
import type { ImageRecord } from '../domain/image.js';
import { lastPathSegment } from '../domain/url-name.js';
import type { SafeFetcher } from '../fetcher/index.js';
import type { ImageStore } from '../ports/image-store.js';
import { type AdmitOriginalDeps, admitOriginal } from './admit-original.js';
import { sanitiseFilename } from './image-service.js';
import { spoolToTempFile } from './spool.js';

export interface OriginalFetcherDeps extends AdmitOriginalDeps {
  /** The imaging limits and the upload limit, which caps the fetched body as it caps a file upload. */
  limits: AdmitOriginalDeps['limits'] & { maxUploadBytes: number };
  /** The SSRF-guarded fetcher of uploads by URL (FETCH_* settings; its byte cap is MAX_UPLOAD_BYTES). */
  fetcher: Pick<SafeFetcher, 'get'>;
  images: ImageStore;
  tempDir: string;
  clock?: () => Date;
}

/**
 * The fetch stage of an upload by URL, run by the render job before rendering: GETs the image's `sourceUrl` through
 * the guarded fetcher, spools it like a file upload and admits it the same way, then attaches it to the row. Fetch
 * failures are `TS_FETCH_*` errors (retryable or not, see domain/errors.ts) for the job to record. Resolves the row
 * as it is afterwards: with the original (this one, or one an earlier delivery attached first), finished without one
 * when another delivery failed it meanwhile, or `undefined` when the image was deleted.
 */
export function createOriginalFetcher(deps: OriginalFetcherDeps) {
  return async function fetchOriginal(image: ImageRecord, signal: AbortSignal): Promise<ImageRecord | undefined> {
    if (image.sourceUrl === undefined) {
      throw new ThumbsmithError('TS_INTERNAL', `Image ${image.id} has no original and no URL to fetch it from.`);
    }
    const fetched = await deps.fetcher.get(image.sourceUrl, signal);
    const spooled = await spoolToTempFile(fetched.stream, deps.tempDir, deps.limits.maxUploadBytes);
    try {
      const attached = await admitOriginal(
        deps,
        spooled,
        { tenant: image.tenant, filename: sanitiseFilename(lastPathSegment(fetched.finalUrl)) },
        async (original) => {
          const result = await deps.images.attachOriginal(image.id, original, deps.clock?.() ?? new Date());
          return { result, holdsReference: result?.attached === true };
        },
      );
      return attached?.image;
    } finally {
      await spooled.remove();
    }
  };
}
