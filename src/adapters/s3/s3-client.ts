import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientConfig {
  /** S3-compatible endpoint (MinIO, R2, Ceph, s3rver); undefined = AWS for the region. */
  endpoint?: string | undefined;
  region: string;
  /** Path-style addressing (`http://host/bucket/key`), needed by most self-hosted servers. */
  forcePathStyle: boolean;
  /** Static credentials; when absent the SDK's default chain (env, profile, instance role) applies. */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  sessionToken?: string | undefined;
  /**
   * Time to open a TCP connection before the attempt fails.
   * @defaultValue 3000
   */
  connectionTimeoutMs?: number;
  /**
   * Time from sending a request (body included, e.g. one 8 MB part) to its response headers before the attempt fails.
   * @defaultValue 30000
   */
  requestTimeoutMs?: number;
  /**
   * Time a socket may stay idle (e.g. a stalled download) before it is closed with an error.
   * @defaultValue 15000
   */
  socketTimeoutMs?: number;
  /**
   * Attempts per request (the SDK retries network faults, throttling and 5xx with backoff).
   * @defaultValue 3
   */
  maxAttempts?: number;
}

/**
 * Builds the S3 client the composition root hands to {@link createS3BlobStore}, with timeouts short enough that an
 * outage answers in seconds, and checksums only where S3 requires them: with the SDK's default (`WHEN_SUPPORTED`)
 * a streamed PUT is sent aws-chunked with a CRC32 trailer, which several S3-compatible servers (s3rver) store verbatim,
 * corrupting the object silently.
 */
export function createS3Client(config: S3ClientConfig): S3Client {
  const credentials =
    config.accessKeyId && config.secretAccessKey
      ? {
          accessKeyId: config.accessKeyId,
          secretAccessKey: config.secretAccessKey,
          ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
        }
      : undefined;
  return new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: config.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: config.connectionTimeoutMs ?? 3000,
      requestTimeout: config.requestTimeoutMs ?? 30_000,
      // Without this the SDK only logs a warning when requestTimeout passes, and the request hangs on.
      throwOnRequestTimeout: true,
      socketTimeout: config.socketTimeoutMs ?? 15_000,
    },
  });
}
