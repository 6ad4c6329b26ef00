import { resolve } from 'node:path';
import {
  optionalText,
  type Parser,
  type Reading,
  readAll,
  redact,
  type Source,
  scaled,
  secret,
  text,
  type ValuesOf,
  variable,
} from '../variable.js';

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
export type QueueConfig =
  | { kind: 'sqlite' }
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'postgres'; url: string; schema: string };
export type StorageConfig =
  | { kind: 'fs'; root: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      endpoint: string | undefined;
      region: string;
      forcePathStyle: boolean;
      /** Static credentials (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` or their `_FILE`s); else the SDK's chain. */
      accessKeyId?: string;
      secretAccessKey?: string;
      sessionToken?: string;
    };

/** Checked even for the embedded queue, so a typo shows up before the day Redis is switched on. */
const queuePrefix: Parser<string, string> = (value, name, problems) => {
  if (!/^[A-Za-z0-9_.:{}-]{1,100}$/.test(value)) {
    problems.push(`${name}: expected 1-100 characters of [A-Za-z0-9_.:{}-] but received ${JSON.stringify(value)}`);
  }
  return value;
};

export const STORAGE = {
  dataDir: variable(
    'DATA_DIR',
    './data',
    (value) => resolve(value),
    'Directory of the embedded SQLite file, the blob directory and upload temp files.',
  ),
  /** Below this many free bytes on the disks written to, uploads answer 503 TS_STORAGE_FULL and /readyz fails. */
  minFreeDiskBytes: variable(
    'MIN_FREE_DISK_MB',
    '256',
    scaled(0, 1024 * 1024, 1024 * 1024),
    'Below this much free space on the disks written to (temp files, blob directory, SQLite), uploads answer `503 TS_STORAGE_FULL` and `/readyz` is not ready (0 = off).',
  ),
  databaseUrl: secret(
    variable(
      'DATABASE_URL',
      undefined,
      optionalText,
      'Metadata database: unset = SQLite `DATA_DIR/thumbsmith.db`; `sqlite:PATH` or `postgres://…`.',
    ),
  ),
  queueUrl: secret(
    variable(
      'QUEUE_URL',
      undefined,
      optionalText,
      'Job queue: `redis://…` = BullMQ on Redis; `postgres://…` = BullMQ on PostgreSQL; `sqlite` = embedded in the SQLite file (one host only). Unset = the database: PostgreSQL with `DATABASE_URL=postgres://…`, else SQLite.',
    ),
  ),
  queuePrefix: variable(
    'QUEUE_PREFIX',
    'thumbsmith',
    queuePrefix,
    'Namespace of the BullMQ queue: its Redis key prefix (`[A-Za-z0-9_.:{}-]`), or on PostgreSQL the schema of its tables (a letter or `_`, then letters, digits, `_`); give each deployment sharing a server its own.',
  ),
  storageUrl: variable(
    'STORAGE_URL',
    undefined,
    optionalText,
    'Blob storage: unset = directory `DATA_DIR/blobs`; `file:PATH` or `s3://bucket[/prefix]`.',
  ),
  s3Endpoint: variable(
    'S3_ENDPOINT',
    undefined,
    optionalText,
    'S3-compatible endpoint (MinIO, R2, Ceph); also read from `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`.',
  ),
  s3ForcePathStyle: variable(
    'S3_FORCE_PATH_STYLE',
    'true',
    (value) => value !== 'false',
    'Path-style S3 addressing (needed by most self-hosted S3 servers).',
  ),
  awsRegion: variable('AWS_REGION', 'us-east-1', text, 'S3 region.'),
  awsAccessKeyId: secret(
    variable(
      'AWS_ACCESS_KEY_ID',
      undefined,
      optionalText,
      "S3 access key id; with `AWS_SECRET_ACCESS_KEY`. Unset = the AWS SDK's default chain (profile, instance role).",
    ),
  ),
  awsSecretAccessKey: secret(variable('AWS_SECRET_ACCESS_KEY', undefined, optionalText, 'S3 secret access key.')),
  awsSessionToken: secret(
    variable('AWS_SESSION_TOKEN', undefined, optionalText, 'S3 session token, with temporary credentials.'),
  ),
};

export interface StorageSection {
  dataDir: string;
  minFreeDiskBytes: number;
  database: DatabaseConfig;
  queue: QueueConfig;
  storage: StorageConfig;
}

/** Where data lives: the data directory and the three backends' URLs (each defaulting to a place inside it). */
export function readStorage({ read, problems, env }: Reading): StorageSection {
  const values = readAll(STORAGE, read);
  const { dataDir } = values;
  const database = parseDatabase(values.databaseUrl, dataDir, problems);
  return {
    dataDir,
    minFreeDiskBytes: values.minFreeDiskBytes,
    database,
    queue: parseQueue(values.queueUrl, values.queuePrefix, database, problems),
    storage: parseStorage(values, env, problems),
  };
}

function parseDatabase(url: string | undefined, dataDir: string, problems: string[]): DatabaseConfig {
  if (url === undefined) return { kind: 'sqlite', path: resolve(dataDir, 'thumbsmith.db') };
  if (url.startsWith('sqlite:'))
    return { kind: 'sqlite', path: resolve(url.slice('sqlite:'.length).replace(/^\/\//, '')) };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  problems.push(`DATABASE_URL: expected sqlite:PATH or postgres://… but received ${JSON.stringify(redact(url))}`);
  return { kind: 'sqlite', path: resolve(dataDir, 'thumbsmith.db') };
}

/**
 * Unset, the queue lives in the metadata database: processes on different hosts that share a PostgreSQL database
 * then share the queue too (a per-host SQLite queue beside it would leave API and workers never meeting).
 */
function parseQueue(
  url: string | undefined,
  prefix: string,
  database: DatabaseConfig,
  problems: string[],
): QueueConfig {
  if (url === 'sqlite' || (url === undefined && database.kind === 'sqlite')) return { kind: 'sqlite' };
  const postgresUrl = url ?? (database.kind === 'postgres' ? database.url : undefined);
  if (postgresUrl !== undefined && /^postgres(ql)?:\/\//.test(postgresUrl)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(prefix)) {
      problems.push(
        `QUEUE_PREFIX: the PostgreSQL queue's schema must be a letter or _, then up to 62 letters, digits or _, but received ${JSON.stringify(prefix)}`,
      );
    }
    return { kind: 'postgres', url: postgresUrl, schema: prefix };
  }
  if (url !== undefined && /^rediss?:\/\//.test(url)) return { kind: 'redis', url, prefix };
  problems.push(
    `QUEUE_URL: expected redis://…, postgres://… or sqlite (or unset for the database's queue) but received ${JSON.stringify(redact(url ?? ''))}`,
  );
  return { kind: 'sqlite' };
}

function parseStorage(values: ValuesOf<typeof STORAGE>, env: Source, problems: string[]): StorageConfig {
  const { storageUrl: url, dataDir } = values;
  if (url === undefined) return { kind: 'fs', root: resolve(dataDir, 'blobs') };
  if (url.startsWith('file:')) return { kind: 'fs', root: resolve(url.slice('file:'.length).replace(/^\/\//, '')) };
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (s3) {
    return {
      kind: 's3',
      bucket: s3[1]!,
      prefix: (s3[2] ?? '').replace(/\/+$/, ''),
      endpoint: values.s3Endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
      region: values.awsRegion,
      forcePathStyle: values.s3ForcePathStyle,
      ...staticCredentials(values, problems),
    };
  }
  problems.push(`STORAGE_URL: expected file:PATH or s3://bucket[/prefix] but received ${JSON.stringify(url)}`);
  return { kind: 'fs', root: resolve(dataDir, 'blobs') };
}

function staticCredentials(values: ValuesOf<typeof STORAGE>, problems: string[]) {
  const { awsAccessKeyId: accessKeyId, awsSecretAccessKey: secretAccessKey, awsSessionToken: sessionToken } = values;
  if (accessKeyId === undefined && secretAccessKey === undefined) return {};
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    problems.push("AWS_ACCESS_KEY_ID: set it together with AWS_SECRET_ACCESS_KEY (or neither, for the SDK's chain)");
    return {};
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) };
}
