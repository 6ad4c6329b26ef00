import { type Static, type TSchema, Type } from '@fastify/type-provider-typebox';
import { ERROR_CODES } from '../domain/errors.js';
import { IMAGE_ID_PATTERN } from '../domain/ids.js';
import { IMAGE_STATUSES, INPUT_FORMATS } from '../domain/image.js';
import { OUTPUT_FORMATS } from '../domain/preset.js';

const literals = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });

/**
 * `schema` or null, spelled as OpenAPI 3.0 does (`nullable: true`; 3.0 has no `null` type, so an anyOf with one is
 * not valid there). fast-json-stringify also writes such a field directly, where an anyOf made it validate every
 * answer's value against each branch (0.5 ms per upload in the service's profile).
 */
export const nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) =>
  Type.Unsafe<Static<T> | null>({ ...schema, ...options, nullable: true });

// Ids are not pattern-checked: a malformed id answers 404 exactly as an unknown one does.
const ImageId = Type.String({ maxLength: 64, description: `Image id as returned by the upload (${IMAGE_ID_PATTERN})` });

export const ImageIdParams = Type.Object({ id: ImageId });

export const ThumbnailParams = Type.Object({
  id: ImageId,
  preset: Type.String({ maxLength: 64, description: 'Preset name, e.g. small' }),
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: literals(ERROR_CODES),
    instance: Type.String(),
    requestId: Type.String(),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details with a stable `code`' },
);

const Timestamp = Type.String({ format: 'date-time' });

export const ImageView = Type.Object(
  {
    id: Type.String(),
    status: literals(IMAGE_STATUSES),
    original: nullable(
      Type.Object({
        format: literals(INPUT_FORMATS),
        width: Type.Integer(),
        height: Type.Integer(),
        frames: Type.Integer(),
        bytes: Type.Integer(),
        sha256: Type.String(),
        filename: nullable(Type.String()),
      }),
      { description: '`null` while an upload by URL waits for its fetch' },
    ),
    sourceUrl: nullable(Type.String(), { description: 'The URL of an upload by URL; `null` for a file upload' }),
    variants: Type.Array(
      Type.Object({
        preset: Type.String(),
        presetVersion: Type.String(),
        url: Type.String(),
        immutableUrl: Type.String({
          description: 'The same thumbnail by content (`?v=` its hash): cacheable forever, changes when the bytes do',
        }),
        width: Type.Integer(),
        height: Type.Integer(),
        format: literals(OUTPUT_FORMATS),
        contentType: Type.String(),
        bytes: Type.Integer(),
      }),
    ),
    error: nullable(
      Type.Object({
        code: Type.String(),
        message: Type.String(),
        retryable: Type.Boolean({
          description:
            'Whether a retry (`POST /v1/images/{id}/retry`) can help: false when the image itself is at fault',
        }),
      }),
    ),
    attempts: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    completedAt: nullable(Timestamp),
    links: Type.Object({
      self: Type.String(),
      thumbnails: Type.Record(Type.String(), Type.String()),
    }),
  },
  { $id: 'Image' },
);

const Check = Type.Object({
  ok: Type.Boolean(),
  /** Answered (or still answering) later than 2 s: reported, but still ready. */
  slow: Type.Optional(Type.Boolean()),
  latencyMs: Type.Number(),
  error: Type.Optional(Type.String()),
  /** Catalogue code of the failure (`TS_DATABASE_UNAVAILABLE`, `TS_QUEUE_UNAVAILABLE`, `TS_STORAGE_UNAVAILABLE`). */
  code: Type.Optional(Type.String()),
});

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unready')]),
  checks: Type.Object({
    database: Check,
    queue: Check,
    storage: Check,
    /** Free space on the disks this process writes to (DATA_DIR/tmp, and the blob and SQLite directories). */
    disk: Type.Optional(
      Type.Object({
        ok: Type.Boolean(),
        freeMb: Type.Number(),
        minFreeMb: Type.Number(),
        /** `TS_STORAGE_FULL` below the minimum (MIN_FREE_DISK_MB). */
        code: Type.Optional(Type.String()),
      }),
    ),
    workers: Type.Optional(
      Type.Object({
        ok: Type.Boolean(),
        running: Type.Boolean(),
        active: Type.Integer(),
        lastHeartbeat: nullable(Timestamp),
        /** This process's id in `heartbeats`. */
        workerId: Type.Optional(Type.String()),
      }),
    ),
  }),
  /**
   * Every worker process seen in the last hour (any host), from the shared heartbeat records: informational, it does
   * not decide this process's readiness (workers may be scaled to zero on purpose).
   */
  heartbeats: Type.Optional(
    Type.Array(
      Type.Object({
        workerId: Type.String(),
        hostname: Type.String(),
        pid: Type.Integer(),
        startedAt: Timestamp,
        lastHeartbeat: Timestamp,
        ageMs: Type.Integer(),
        /** Last heartbeat younger than the staleness limit (two leases, at least 10 s). */
        fresh: Type.Boolean(),
        active: Type.Integer(),
        concurrency: Type.Integer(),
      }),
    ),
  ),
});

/** A binary body (thumbnail bytes) for the OpenAPI document; not validated. */
export const Binary = Type.Unsafe<unknown>({ type: 'string', format: 'binary' });
export const NotModified = Type.Unsafe<unknown>({ description: 'Not modified (If-None-Match matched the ETag)' });
