/**
 * Every configuration variable Thumbsmith reads, with its default and meaning. This table is the single source:
 * config/load.ts parses it, and the README's configuration table is checked against it by a test.
 */
export interface VariableSpec {
  readonly name: string;
  /** Default as written in the environment; `undefined` = unset. */
  readonly default: string | undefined;
  readonly description: string;
}

const spec = (name: string, def: string | undefined, description: string): VariableSpec => ({
  name,
  default: def,
  description,
});

export const VARIABLES = [
  // server
  spec('HOST', '127.0.0.1', 'Address the HTTP server binds to. Loopback unless told otherwise.'),
  spec('PORT', '8000', 'HTTP port (0 = any free port).'),
  spec(
    'PUBLIC_URL',
    undefined,
    'Absolute base URL used in links (e.g. `https://img.example.com`); relative links when unset.',
  ),
  spec(
    'CONFIG_FILE',
    undefined,
    'Optional JSON file whose keys are these variable names (and `PRESETS` may be an array); the environment wins over it.',
  ),
  // storage
  spec('DATA_DIR', './data', 'Directory of the embedded SQLite file, the blob directory and upload temp files.'),
  spec(
    'MIN_FREE_DISK_MB',
    '256',
    'Below this much free space on the disks written to (temp files, blob directory, SQLite), uploads answer `503 TS_STORAGE_FULL` and `/readyz` is not ready (0 = off).',
  ),
  spec(
    'DATABASE_URL',
    undefined,
    'Metadata database: unset = SQLite `DATA_DIR/thumbsmith.db`; `sqlite:PATH` or `postgres://…`.',
  ),
  spec('QUEUE_URL', undefined, 'Job queue: unset = the SQLite database (embedded); `redis://…` = BullMQ.'),
  spec(
    'QUEUE_PREFIX',
    'thumbsmith',
    'Redis key prefix of the BullMQ queue; give each deployment sharing one Redis its own (`[A-Za-z0-9_.:{}-]`).',
  ),
  spec(
    'STORAGE_URL',
    undefined,
    'Blob storage: unset = directory `DATA_DIR/blobs`; `file:PATH` or `s3://bucket[/prefix]`.',
  ),
  spec(
    'S3_ENDPOINT',
    undefined,
    'S3-compatible endpoint (MinIO, R2, Ceph); also read from `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`.',
  ),
  spec('S3_FORCE_PATH_STYLE', 'true', 'Path-style S3 addressing (needed by most self-hosted S3 servers).'),
  spec(
    'AWS_REGION',
    'us-east-1',
    'S3 region; credentials come from the usual `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`.',
  ),
  // workers and jobs
  spec('WORKER_CONCURRENCY', undefined, 'Jobs rendered at once per worker process. Default: the number of CPU cores.'),
  spec(
    'IMAGING_THREADS',
    undefined,
    'libvips threads per image operation (`sharp.concurrency`). Default: 1 when WORKER_CONCURRENCY ≥ cores, else cores.',
  ),
  spec('IMAGING_CACHE_MB', '0', 'libvips operation cache in MB; 0 keeps memory flat in a long-running worker.'),
  spec(
    'JOB_MAX_ATTEMPTS',
    '5',
    'Deliveries of one job before its image is `failed` (transient errors only; a bad image fails at once).',
  ),
  spec('JOB_BACKOFF_MS', '1000', 'Base delay of the exponential retry backoff (with jitter).'),
  spec('JOB_BACKOFF_MAX_MS', '60000', 'Largest retry delay.'),
  spec(
    'JOB_LEASE_MS',
    '30000',
    'A claimed job is re-delivered if its worker does not renew the lease for this long (crash recovery).',
  ),
  spec(
    'JOB_TIMEOUT_MS',
    '60000',
    'Per-job time limit for rendering; past it the child process rendering is killed and the image fails with `TS_RENDER_TIMEOUT`.',
  ),
  spec(
    'RENDER_MEMORY_LIMIT_MB',
    '1024',
    'Memory ceiling of one probe or render: the child process doing it is killed past this resident size (`TS_RENDER_MEMORY`).',
  ),
  spec(
    'PROBE_TIMEOUT_MS',
    '10000',
    'Time limit of reading an image header (at upload, and after fetching an upload by URL); past it `TS_RENDER_TIMEOUT`.',
  ),
  spec(
    'PROBE_CHILDREN',
    '1',
    'Child processes an API process keeps for header probes (workers render in WORKER_CONCURRENCY children).',
  ),
  spec(
    'DRAIN_TIMEOUT_MS',
    '25000',
    'On SIGTERM, how long running requests and jobs may finish before the process closes (job leases then expire).',
  ),
  spec(
    'SWEEP_INTERVAL_MS',
    '60000',
    'How often API processes re-enqueue images stuck in `queued` or `processing` (0 = never).',
  ),
  spec(
    'SWEEP_STALE_MS',
    '60000',
    'An image `queued` this long is re-enqueued (a no-op while its job exists); one `processing` longer than max(this, JOB_TIMEOUT_MS + 2 × JOB_LEASE_MS) too.',
  ),
  // lifecycle: retention, garbage collection, webhooks
  spec(
    'RETENTION_DAYS',
    '0',
    'Images (and their blobs) older than this many days are deleted by the sweeper; 0 = keep forever.',
  ),
  spec('RETENTION_SECONDS', undefined, 'The same lifetime in seconds (for short ones); set one of the two, not both.'),
  spec(
    'GC_INTERVAL_MS',
    '3600000',
    'How often the sweeper also deletes blobs that belong to no image (crash leftovers); 0 = only `thumbsmith sweep`.',
  ),
  spec(
    'GC_GRACE_SECONDS',
    '3600',
    'Blobs younger than this are never garbage-collected (uploads and renders in flight write blobs before rows).',
  ),
  spec(
    'GC_REFERENCE_GRACE_SECONDS',
    '900',
    'A content reference no image holds (an upload cut off by a crash) this old is dropped with its blobs by every sweep; keep it above the longest put of an original.',
  ),
  spec(
    'WEBHOOK_URL',
    undefined,
    "Receives `image.done` / `image.failed` events of every image (besides each upload's own `callback_url`).",
  ),
  spec(
    'WEBHOOK_SECRET',
    undefined,
    'Signs webhooks: `Thumbsmith-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">`; unsigned when unset.',
  ),
  spec(
    'WEBHOOK_ALLOW_LOOPBACK',
    'false',
    'Development and tests only: let webhooks reach 127.0.0.0/8 and ::1 (other private addresses stay blocked).',
  ),
  spec('WEBHOOK_TIMEOUT_MS', '10000', 'Time limit of one webhook delivery attempt; past it the attempt is retried.'),
  // upload by URL
  spec(
    'FETCH_ALLOWED_HOSTS',
    undefined,
    'Hosts an upload by URL may name, comma-separated (`cdn.example.com`, `*.example.com` for its subdomains); unset = any public host.',
  ),
  spec(
    'FETCH_ALLOW_LOOPBACK',
    'false',
    'Development and tests only: let uploads by URL reach 127.0.0.0/8 and ::1 (other private addresses stay blocked).',
  ),
  spec(
    'FETCH_TIMEOUT_MS',
    '30000',
    'Time limit of one fetch of an upload by URL (connect, redirects and the whole body); past it the job is retried.',
  ),
  spec('FETCH_MAX_REDIRECTS', '3', 'Redirects an upload by URL may follow; each target is checked again.'),
  // limits
  spec(
    'MAX_UPLOAD_BYTES',
    '52428800',
    'Largest upload in bytes, counted while streaming (50 MiB); also caps the body an upload by URL may fetch.',
  ),
  spec(
    'MAX_INPUT_PIXELS',
    '50000000',
    'Largest input in pixels (width × height, per frame), read from the header before decoding.',
  ),
  spec('MAX_FRAMES', '100', 'Most frames an animated input may have.'),
  spec('MAX_TOTAL_PIXELS', '250000000', 'Pixel budget summed over all frames when a preset keeps animation.'),
  spec('MAX_OUTPUT_DIMENSION', '4096', 'Largest width or height a preset may produce.'),
  spec('ALLOW_SVG', 'false', 'Accept SVG input (sanitised, then rasterised). Off by default.'),
  spec(
    'MAX_JPEG_SCANS',
    '100',
    'Most scans a JPEG may have (a progressive JPEG has about ten; each scan is a pass over the whole image), counted before decoding.',
  ),
  spec(
    'MAX_PNG_CHUNKS',
    '256',
    'Most ancillary chunks in a PNG (text, ICC, EXIF…); also caps JPEG APPn/COM segments, GIF extension blocks and WebP metadata chunks.',
  ),
  spec(
    'MAX_METADATA_BYTES',
    '8388608',
    'Most metadata bytes in an image (8 MiB): PNG text/ICC/EXIF chunks (compressed ones counted inflated), JPEG APPn/COM, GIF extensions, WebP ICCP/EXIF/XMP.',
  ),
  // presets
  spec(
    'PRESETS',
    'small:150,medium:400,large:800',
    'Thumbnail presets: compact `name:W[xH][:fit][:format]` list, or a JSON array of preset objects (see README).',
  ),
  // logging
  spec('LOG_LEVEL', 'info', 'pino level: fatal, error, warn, info, debug, trace, silent.'),
  spec('LOG_FORMAT', 'auto', '`json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise).'),
  // security
  spec(
    'SIGNING_KEYS',
    undefined,
    'HMAC keys for signed thumbnail URLs: `kid:secret[,kid:secret…]`, secrets 32+ characters; the first signs, all verify (rotation).',
  ),
  spec('SIGNED_URL_TTL_SECONDS', '3600', 'Lifetime of the signed thumbnail URLs returned with `?signed=true`.'),
  spec(
    'CORS_ORIGINS',
    undefined,
    'Comma-separated origins (`https://app.example.com`) allowed to call the API from a browser; none when unset.',
  ),
  spec(
    'RATE_LIMIT_PER_MINUTE',
    '600',
    'Requests per minute on `/v1` per API key and per client address (token bucket, in memory per process; 0 = off).',
  ),
  spec(
    'UPLOAD_RATE_LIMIT_PER_MINUTE',
    '120',
    'Uploads per minute per API key and per client address, on top of the general limit (0 = off).',
  ),
  spec(
    'HTTP_HEADERS_TIMEOUT_MS',
    '10000',
    'A connection must deliver a complete request line and headers within this time, else `408 TS_REQUEST_TIMEOUT`.',
  ),
  spec(
    'HTTP_KEEP_ALIVE_TIMEOUT_MS',
    '5000',
    "An idle keep-alive connection is closed after this long (keep it above a load balancer's idle timeout).",
  ),
  spec(
    'UPLOAD_MIN_BYTES_PER_SECOND',
    '1024',
    'A request body must arrive at least this fast on average over each `UPLOAD_RATE_WINDOW_MS`, else it is cut with `408 TS_REQUEST_TIMEOUT` (0 = off).',
  ),
  spec(
    'UPLOAD_RATE_WINDOW_MS',
    '20000',
    'The window over which `UPLOAD_MIN_BYTES_PER_SECOND` is measured: a pause shorter than it never cuts an upload.',
  ),
  spec(
    'MAX_QUEUE_DEPTH',
    '10000',
    'Past this many waiting render jobs, uploads answer `503 TS_QUEUE_FULL` with `Retry-After` (0 = unbounded).',
  ),
  // observability (tracing is configured by the standard OTEL_* variables, see the README's observability section)
  spec(
    'QUEUE_DASHBOARD',
    'false',
    'Serve the bull-board queue dashboard at `/admin/queues` (Redis queue only; needs `QUEUE_DASHBOARD_TOKEN`).',
  ),
  spec(
    'QUEUE_DASHBOARD_TOKEN',
    undefined,
    'Secret (16+ characters) for the dashboard: `Authorization: Bearer TOKEN`, or Basic auth with any user and TOKEN as password.',
  ),
] as const satisfies readonly VariableSpec[];

export type VariableName = (typeof VARIABLES)[number]['name'];
