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
    type: Type.String({ description: 'URI of the problem type: `urn:thumbsmith:error:<code>`' }),
    title: Type.String({ description: 'Short summary of the problem type (the same for every answer of a code)' }),
    status: Type.Integer({ description: 'The HTTP status code of the answer' }),
    detail: Type.String({ description: 'This occurrence, in words' }),
    code: literals(ERROR_CODES),
    instance: Type.Optional(Type.String({ description: 'The request’s path and query' })),
    requestId: Type.String({ description: 'The request id, as in the `X-Request-Id` header and the logs' }),
  },
  {
    $id: 'Problem',
    additionalProperties: true,
    description: 'RFC 9457 problem details with a stable `code` (docs/errors.md); some codes add members',
    examples: [
      {
        type: 'urn:thumbsmith:error:TS_NOT_FOUND',
        title: 'No such image',
        status: 404,
        detail: 'No image img_01HZX3J2K4M5N6P7Q8R9S0T1V2.',
        code: 'TS_NOT_FOUND',
        instance: '/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2',
        requestId: 'req-1f3a9c',
      },
    ],
  },
);

const Timestamp = Type.String({ format: 'date-time' });

export const Variant = Type.Object(
  {
    preset: Type.String(),
    presetVersion: Type.String({ description: 'Hash of the preset definition the variant was rendered with' }),
    url: Type.String(),
    immutableUrl: Type.String({
      description: 'The same thumbnail by content (`?v=` its hash): cacheable forever, changes when the bytes do',
    }),
    width: Type.Integer(),
    height: Type.Integer(),
    format: literals(OUTPUT_FORMATS),
    contentType: Type.String(),
    bytes: Type.Integer(),
  },
  { $id: 'Variant', description: 'One rendered thumbnail of the image' },
);

const IMAGE_EXAMPLE = {
  id: 'img_01HZX3J2K4M5N6P7Q8R9S0T1V2',
  status: 'done',
  original: {
    format: 'jpeg',
    width: 4032,
    height: 3024,
    frames: 1,
    bytes: 2811456,
    sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
    filename: 'holiday.jpg',
  },
  sourceUrl: null,
  variants: [
    {
      preset: 'small',
      presetVersion: '3f2a9c1e',
      url: '/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2/thumbnails/small',
      immutableUrl: '/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2/thumbnails/small?v=9f86d081884c7d65',
      width: 320,
      height: 240,
      format: 'webp',
      contentType: 'image/webp',
      bytes: 14230,
    },
  ],
  error: null,
  attempts: 1,
  createdAt: '2026-12-07T18:00:00.000Z',
  updatedAt: '2026-12-07T18:00:01.250Z',
  completedAt: '2026-12-07T18:00:01.250Z',
  links: {
    self: '/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2',
    thumbnails: { small: '/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2/thumbnails/small' },
  },
};

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
    variants: Type.Array(Type.Ref('Variant')),
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
  { $id: 'Image', description: 'An image: its status, its original and its thumbnails', examples: [IMAGE_EXAMPLE] },
);

export const ImagePage = Type.Object(
  {
    items: Type.Array(Type.Ref('Image')),
    nextCursor: nullable(Type.String(), { description: 'Cursor of the next page; null on the last' }),
  },
  { $id: 'ImagePage', description: 'One page of images, newest first' },
);

/** The JSON body of an upload by URL; read by the route itself (routes/images.ts), so documentation only. */
export const UploadByUrl = Type.Object(
  {
    url: Type.String({ format: 'uri', maxLength: 2048, description: 'The image to fetch (http or https)' }),
    callback_url: Type.Optional(
      Type.String({ format: 'uri', maxLength: 2048, description: 'Webhook URL for this image' }),
    ),
  },
  {
    $id: 'UploadByUrl',
    additionalProperties: false,
    examples: [{ url: 'https://images.example.com/holiday.jpg', callback_url: 'https://hooks.example.com/thumbs' }],
  },
);

/** The multipart body of a file upload; streamed by the route itself, so documentation only. */
export const UploadFile = Type.Object(
  {
    file: Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'The image' }),
    callback_url: Type.Optional(
      Type.String({ format: 'uri', maxLength: 2048, description: 'Webhook URL for this image' }),
    ),
  },
  { $id: 'UploadFile' },
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

export const Health = Type.Object({ status: Type.Literal('ok') }, { $id: 'Health' });

export const Readiness = Type.Object(
  {
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
  },
  { $id: 'Readiness', description: 'Every check of this process; `status` decides the HTTP status' },
);

/** A binary body (thumbnail bytes) for the OpenAPI document; not validated. */
export const Binary = Type.Unsafe<unknown>({ type: 'string', format: 'binary' });

/** The text of a Server-Sent Events stream, for the document. */
export const EventStreamText = Type.Unsafe<unknown>({
  type: 'string',
  description:
    '`text/event-stream`: `event: image`, `id: <event id>`, `data: <Image JSON>` per change; `event: deleted` with ' +
    '`data: {"id": …}` when an image is deleted; `event: reset` (with an empty `id:`) first when `Last-Event-ID` ' +
    'could not be resumed; a comment line every 15 s',
  example: 'id: 4c1b…\nevent: image\ndata: {"id":"img_01HZX3J2K4M5N6P7Q8R9S0T1V2","status":"done",…}\n\n',
});

/** Schemas with an `$id`, added to the app: routes refer to them and the document names them (components.schemas). */
export const SHARED_SCHEMAS = [Problem, Variant, ImageView, ImagePage, Health, Readiness];

/** Schemas of request bodies the routes read themselves: in the document only. */
export const DOCUMENT_ONLY_SCHEMAS = [UploadByUrl, UploadFile];
