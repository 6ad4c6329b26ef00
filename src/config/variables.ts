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
    'DATABASE_URL',
    undefined,
    'Metadata database: unset = SQLite `DATA_DIR/thumbsmith.db`; `sqlite:PATH` or `postgres://…`.',
  ),
  spec('QUEUE_URL', undefined, 'Job queue: unset = the SQLite database (embedded); `redis://…` = BullMQ.'),
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
    'Per-job time limit for rendering; past it the image fails with `TS_RENDER_TIMEOUT`.',
  ),
  spec(
    'DRAIN_TIMEOUT_MS',
    '25000',
    'On SIGTERM, how long running jobs may finish before the process exits (their leases then expire).',
  ),
  spec('SWEEP_INTERVAL_MS', '60000', 'How often the sweeper re-enqueues images stuck in `queued` (0 = never).'),
  spec(
    'SWEEP_STALE_MS',
    '60000',
    'An image `queued` for longer than this without a job is re-enqueued by the sweeper.',
  ),
  // limits
  spec('MAX_UPLOAD_BYTES', '52428800', 'Largest upload in bytes, counted while streaming (50 MiB).'),
  spec(
    'MAX_INPUT_PIXELS',
    '50000000',
    'Largest input in pixels (width × height, per frame), read from the header before decoding.',
  ),
  spec('MAX_FRAMES', '100', 'Most frames an animated input may have.'),
  spec('MAX_TOTAL_PIXELS', '250000000', 'Pixel budget summed over all frames when a preset keeps animation.'),
  spec('MAX_OUTPUT_DIMENSION', '4096', 'Largest width or height a preset may produce.'),
  spec('ALLOW_SVG', 'false', 'Accept SVG input (sanitised, then rasterised). Off by default.'),
  // presets
  spec(
    'PRESETS',
    'small:150,medium:400,large:800',
    'Thumbnail presets: compact `name:W[xH][:fit][:format]` list, or a JSON array of preset objects (see README).',
  ),
  // logging
  spec('LOG_LEVEL', 'info', 'pino level: fatal, error, warn, info, debug, trace, silent.'),
  spec('LOG_FORMAT', 'auto', '`json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise).'),
] as const satisfies readonly VariableSpec[];

export type VariableName = (typeof VARIABLES)[number]['name'];
