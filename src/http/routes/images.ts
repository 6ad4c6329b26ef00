import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ThumbsmithError } from '../../domain/errors.js';
import type { ImageRecord } from '../../domain/image.js';
import { CONTENT_TYPES } from '../../domain/preset.js';
import type { IdempotentSubmitter } from '../../service/idempotent-submit.js';
import type { ImageService } from '../../service/image-service.js';
import { type ImageWatcher, MAX_WAIT_SECONDS } from '../../service/image-watch.js';
import type { SpooledFile } from '../../service/spool.js';
import { idempotencyKeyOf } from '../idempotency.js';
import { immutableVersion, toImageView } from '../image-view.js';
import { answer, documentedBody, parameters, problems } from '../openapi.js';
import { Binary, ImageIdParams, ThumbnailParams } from '../schemas.js';
import { thumbnailDisposition } from '../security-headers.js';

export interface ImageRoutesOptions {
  service: ImageService;
  publicUrl: string | undefined;
  /** Serves `?wait=` on `GET /images/{id}`; without it the parameter is accepted and ignored. */
  watcher?: ImageWatcher;
  /** `Idempotency-Key` on uploads; without it the header is validated and ignored. */
  idempotency?: IdempotentSubmitter;
}

/** The media types a thumbnail is sent as (every output format of a preset). */
const THUMBNAIL_TYPES = Object.values(CONTENT_TYPES);

/** Thumbnails change only when their preset changes (a new version), so they may be cached for a long time. */
const THUMBNAIL_CACHE_CONTROL = 'public, max-age=604800';
/** A `?v=<hash>` URL names one set of bytes: it can never change, so caches keep it for a year without asking. */
const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const ImageQuery = Type.Object({
  wait: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_WAIT_SECONDS,
      description: `Seconds to wait for the image to be done or failed before answering (0-${MAX_WAIT_SECONDS})`,
    }),
  ),
});

const ThumbnailQuery = Type.Object({
  v: Type.Optional(Type.String({ maxLength: 64, description: 'Content version from `variants[].immutableUrl`' })),
});

export const imageRoutes: FastifyPluginAsyncTypebox<ImageRoutesOptions> = async (app, options) => {
  const { service, publicUrl, watcher, idempotency } = options;
  const view = (image: Parameters<typeof toImageView>[0]) => toImageView(image, service.presets, publicUrl ?? '');
  // Aborted when the server starts closing, so long waits answer at once instead of holding up the shutdown.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.post(
    '/images',
    {
      schema: {
        summary: 'Upload an image (a file, or a URL to fetch)',
        description:
          'A file: multipart/form-data with one field `file` and, optionally, a field `callback_url` (an http(s) ' +
          'URL that receives the `image.done` / `image.failed` webhook of this image). The type is sniffed from the ' +
          'bytes and the header probed before the render job is queued.\n\n' +
          'A URL: application/json `{"url": "https://…", "callback_url": "…"}` (callback optional). The URL is ' +
          'checked now (http/https, no credentials, the host allow-list, no private address literal) and fetched ' +
          'by the worker, which checks every resolved address and redirect again; `original` is `null` until then, ' +
          'and a failed fetch fails the image with a `TS_FETCH_*` code.\n\n' +
          'Answers at once with the image id; poll `links.self` (with `?wait=`), or follow ' +
          '`links.self + "/events"`. With an `Idempotency-Key` header a retry of the same request answers the same ' +
          'image (a different file or URL: 422 TS_IDEMPOTENCY_MISMATCH).',
        operationId: 'uploadImage',
        tags: ['images'],
        ...parameters('IdempotencyKey', 'Signed'),
        ...documentedBody('The image file, or the URL to fetch it from', {
          'multipart/form-data': 'UploadFile',
          'application/json': 'UploadByUrl',
        }),
        response: {
          202: answer('Accepted: the image is queued (a file was probed first); follow `Location`', {
            content: { 'application/json': Type.Ref('Image') },
            headers: ['Location'],
          }),
          ...problems(409, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const tenant = request.tenant;
      const once = async (requestSha256: string, submit: () => Promise<ImageRecord>): Promise<ImageRecord> => {
        // Checked once the body is read, so the client gets the answer rather than a reset mid-upload.
        const key = idempotencyKeyOf(request.headers['idempotency-key']);
        if (key === undefined || !idempotency) return submit();
        return idempotency.submitOnce({ tenant, key, sha256: requestSha256 }, submit, (id) =>
          service.getImage(id, tenant),
        );
      };
      let image: ImageRecord;
      if (request.isMultipart()) {
        image = await uploadFile(request, service, once);
      } else {
        const { url, callbackUrl } = urlUploadOf(request.body);
        const requestSha256 = createHash('sha256')
          .update(JSON.stringify([url, callbackUrl ?? null]))
          .digest('hex');
        image = await once(requestSha256, () =>
          service.submitUrl({ url, tenant, ...(callbackUrl !== undefined && { callbackUrl }) }),
        );
      }
      const body = view(image);
      return reply.code(202).header('location', body.links.self).send(body);
    },
  );

  app.get(
    '/images/:id',
    {
      schema: {
        summary: 'Get an image: status, original, variants',
        description:
          'With `?wait=N` (0-30) the answer comes as soon as the image is `done` or `failed`, or after N seconds ' +
          'with its status then: waiting without polling.',
        operationId: 'getImage',
        tags: ['images'],
        params: ImageIdParams,
        querystring: ImageQuery,
        ...parameters('Signed'),
        response: {
          200: answer('The image as it is now (or when done, failed or `wait` ran out)', {
            content: { 'application/json': Type.Ref('Image') },
          }),
          ...problems(404),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const wait = request.query.wait ?? 0;
      const image =
        watcher && wait > 0
          ? await watcher.waitForFinal(request.tenant, id, wait, closing.signal)
          : await service.getImage(id, request.tenant);
      return view(image);
    },
  );

  // GET and HEAD declared together: Fastify's automatic HEAD route would answer `content-length: 0`.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/images/:id/thumbnails/:preset',
    schema: {
      summary: 'Download a thumbnail',
      description:
        'The rendered bytes with their exact Content-Type, a strong ETag (the SHA-256; `If-None-Match` → 304) and ' +
        '`Last-Modified` (`If-Modified-Since` → 304). `HEAD` answers the headers only. With `?v=` from ' +
        '`immutableUrl` the answer may be cached forever. A variant missing or made by an older definition of ' +
        'its preset is rendered on this request. `409 TS_NOT_READY` with `Retry-After` while the image is queued ' +
        'or processing; `409 TS_IMAGE_FAILED` when it failed.',
      operationId: 'getThumbnail',
      tags: ['thumbnails'],
      params: ThumbnailParams,
      querystring: ThumbnailQuery,
      ...parameters('Signature', 'Expires', 'KeyId'),
      response: {
        200: answer('The thumbnail bytes (none for HEAD), in the format of its preset', {
          content: Object.fromEntries(THUMBNAIL_TYPES.map((type) => [type, Binary])),
          headers: ['ETag', 'CacheControl', 'LastModified', 'ContentDisposition'],
        }),
        304: answer('Not modified: `If-None-Match` matched the ETag, or nothing changed since `If-Modified-Since`', {
          headers: ['ETag', 'CacheControl', 'LastModified'],
        }),
        ...problems(404, 409),
      },
    },
    handler: async (request, reply) => {
      const { image, variant, open } = await service.openThumbnail(
        request.params.id,
        request.params.preset,
        request.tenant,
      );
      const etag = `"${variant.sha256}"`;
      const lastModified = new Date(Math.floor(image.updatedAt.getTime() / 1000) * 1000);
      const immutable = request.query.v === immutableVersion(variant.sha256);
      reply
        .header('etag', etag)
        .header('cache-control', immutable ? IMMUTABLE_CACHE_CONTROL : THUMBNAIL_CACHE_CONTROL)
        .header('x-content-type-options', 'nosniff')
        .header('last-modified', lastModified.toUTCString());
      if (notModified(request.headers, etag, lastModified)) return reply.code(304).send();
      reply
        .type(variant.contentType)
        .header('content-length', String(variant.bytes))
        .header(
          'content-disposition',
          thumbnailDisposition(image.original?.filename, image.id, variant.preset, variant.format),
        );
      if (request.method === 'HEAD') return reply.send();
      return reply.send(await open());
    },
  });
};

type SubmitOnce = (requestSha256: string, submit: () => Promise<ImageRecord>) => Promise<ImageRecord>;

/** A multipart upload: parts in any order, the file spooled when it comes, fields read before or after it. */
async function uploadFile(request: FastifyRequest, service: ImageService, once: SubmitOnce): Promise<ImageRecord> {
  let spooled: SpooledFile | undefined;
  let filename: string | undefined;
  let callbackUrl: string | undefined;
  try {
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || spooled) {
            part.file.resume();
            continue;
          }
          spooled = await service.spool(part.file);
          filename = part.filename;
        } else if (part.fieldname === 'callback_url' && typeof part.value === 'string' && part.value !== '') {
          callbackUrl = part.value;
        }
      }
    } catch (error) {
      throw isMalformedMultipart(error)
        ? new ThumbsmithError('TS_VALIDATION', `The multipart body is malformed: ${error.message}`, { cause: error })
        : error;
    }
    if (!spooled) {
      throw new ThumbsmithError('TS_FILE_MISSING', 'Send multipart/form-data with the image in a field named "file".');
    }
    const file = spooled;
    return await once(file.sha256, () =>
      service.submitSpooled(file, {
        filename,
        tenant: request.tenant,
        ...(callbackUrl !== undefined && { callbackUrl }),
      }),
    );
  } finally {
    await spooled?.remove();
  }
}

/**
 * The multipart parser (busboy) reports a body it cannot parse (no boundary, a boundary too long, a truncated or
 * malformed part) as a plain `Error` without a code; file system errors carry a code, our own are ThumbsmithErrors.
 */
function isMalformedMultipart(error: unknown): error is Error {
  return error instanceof Error && error.constructor === Error && !('code' in error);
}

/** Longest URL accepted: far beyond any real image URL, short enough to log and store. */
const MAX_URL_LENGTH = 2048;

/** The JSON body of an upload by URL: `url`, optionally `callback_url`, nothing else. */
function urlUploadOf(body: unknown): { url: string; callbackUrl?: string } {
  const invalid = (detail: string) => new ThumbsmithError('TS_VALIDATION', detail);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('Send the image as multipart/form-data (field "file") or JSON {"url": "https://…"}.');
  }
  const { url, callback_url: callbackUrl, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw invalid(`Unknown field ${JSON.stringify(unknown[0])}; expected "url" and "callback_url".`);
  if (typeof url !== 'string' || url === '' || url.length > MAX_URL_LENGTH) {
    throw invalid(`"url" must be an http(s) URL of at most ${MAX_URL_LENGTH} characters.`);
  }
  if (callbackUrl !== undefined && (typeof callbackUrl !== 'string' || callbackUrl.length > MAX_URL_LENGTH)) {
    throw invalid(`"callback_url" must be an http(s) URL of at most ${MAX_URL_LENGTH} characters.`);
  }
  return { url, ...(callbackUrl !== undefined && callbackUrl !== '' && { callbackUrl }) };
}

/**
 * RFC 9110 §13.1: `If-None-Match` (weak comparison, lists, `*`) decides when present; otherwise `If-Modified-Since`
 * against the second-precision `Last-Modified`.
 */
export function notModified(
  headers: Record<string, string | string[] | undefined>,
  etag: string,
  lastModified: Date,
): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (typeof ifNoneMatch === 'string') {
    const tags = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(etag);
  }
  const ifModifiedSince = headers['if-modified-since'];
  if (typeof ifModifiedSince !== 'string') return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && lastModified.getTime() <= since;
}
