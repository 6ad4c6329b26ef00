import { ThumbsmithError } from '../domain/errors.js';
import type { OriginalInfo } from '../domain/image.js';
import { type Imager, type ImagingLimits, notAcceptedImage, sniff } from '../imaging/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { ContentBlobs } from './content-blobs.js';
import type { SpooledFile } from './spool.js';

export interface AdmitOriginalDeps {
  limits: ImagingLimits;
  /** Probes in a child process, within its budgets (imaging/pool). */
  imager: Imager;
  content: ContentBlobs;
  logger: Logger;
}

/** What the row writer says back: its result, and whether the row now holds the content reference taken for it. */
export interface RecordedOriginal<T> {
  result: T;
  holdsReference: boolean;
}

/**
 * The one way bytes become an image's original, for file uploads and uploads by URL alike: sniffed from the bytes
 * (never the name or a Content-Type), header probed against the limits (nothing decoded), stored content-addressed
 * (bytes this tenant stored before are not stored again), then handed to `record`, which writes the row that holds the
 * content reference. When `record` throws or says its row does not hold the reference, the reference is dropped again,
 * so nothing is left behind, except when the database is unreachable: the write may have committed before the answer
 * was lost, and releasing would then delete a live row's original (the garbage collector reclaims a leaked one).
 */
export async function admitOriginal<T>(
  deps: AdmitOriginalDeps,
  spooled: SpooledFile,
  owner: { tenant: string; filename: string | null },
  record: (original: OriginalInfo) => Promise<RecordedOriginal<T>>,
): Promise<T> {
  if (spooled.bytes === 0) throw notAcceptedImage('TS_UNSUPPORTED_MEDIA', 'The file is empty', deps.limits);
  if (sniff(spooled.head) === undefined) {
    throw notAcceptedImage('TS_UNSUPPORTED_MEDIA', 'The bytes are not an image Thumbsmith can read', deps.limits);
  }
  const info = await deps.imager.probe({ path: spooled.path }, deps.limits);
  const content = await deps.content.acquire(owner.tenant, spooled.sha256, { path: spooled.path });
  const original: OriginalInfo = {
    key: content.originalKey,
    format: info.format,
    width: info.width,
    height: info.height,
    frames: info.frames,
    bytes: spooled.bytes,
    sha256: spooled.sha256,
    filename: owner.filename,
  };
  let recorded: RecordedOriginal<T>;
  try {
    recorded = await record(original);
  } catch (error) {
    if (!(error instanceof ThumbsmithError && error.code === 'TS_DATABASE_UNAVAILABLE')) {
      // The garbage collector reaps a reference nobody holds; the caller's error matters more than this one.
      await deps.content.release(content).catch((releaseError: unknown) => {
        deps.logger.error({ err: releaseError, key: content.originalKey }, 'could not release a content');
      });
    }
    throw error;
  }
  if (!recorded.holdsReference) await deps.content.release(content);
  return recorded.result;
}
