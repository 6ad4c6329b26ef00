import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { ThumbsmithError } from '../../domain/errors.js';
import type { IdempotencyStore } from '../../ports/idempotency-store.js';
import type { ImageService } from '../../service/image-service.js';
import { type ImageWatcher, MAX_WAIT_SECONDS } from '../../service/image-watch.js';
import type { SpooledFile } from '../../service/spool.js';
import { idempotencyKeyOf, submitOnce } from '../idempotency.js';
import { immutableVersion, toImageView } from '../image-view.js';
import { Binary, ImageIdParams, ImageView, NotModified, Problem, ThumbnailParams } from '../schemas.js';
import { thumbnailDisposition } from '../security-headers.js';

export interface ImageRoutesOptions {
  service: ImageService;
  publicUrl: string | undefined;
  /** Serves `?wait=` on `GET /images/{id}`; without it the parameter is accepted and ignored. */
  watcher?: ImageWatcher;
  /** `Idempotency-Key` on uploads; without it the header is validated and ignored. */
  idempotency?: IdempotencyStore;
}

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Problem]));

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
        summary: 'Upload an image',
        description:
          'multipart/form-data with one field `file` and, optionally, a field `callback_url` (an http(s) URL that ' +
          'receives the `image.done` / `image.failed` webhook of this image). The type is sniffed from the bytes ' +
          'and the header probed before the render job is queued. Answers at once with the image id; poll ' +
          '`links.self` (with `?wait=`), or follow `links.self + "/events"`. With an `Idempotency-Key` header a ' +
          'retry with the same file answers the same image (a different file: 422 TS_IDEMPOTENCY_MISMATCH).',
        tags: ['images'],
        consumes: ['multipart/form-data'],
        response: { 202: ImageView, ...problems(400, 409, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      let spooled: SpooledFile | undefined;
      let filename: string | undefined;
      let callbackUrl: string | undefined;
      try {
        // Parts in any order: the file is spooled when it comes, fields are read before or after it.
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
        if (!spooled) {
          throw new ThumbsmithError(
            'TS_FILE_MISSING',
            'Send multipart/form-data with the image in a field named "file".',
          );
        }
        // Checked once the body is read, so the client gets the answer rather than a reset mid-upload.
        const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
        const file = spooled;
        const submit = () =>
          service.submitSpooled(file, {
            filename,
            tenant: request.tenant,
            ...(callbackUrl !== undefined && { callbackUrl }),
          });
        const image =
          idempotencyKey !== undefined && idempotency
            ? await submitOnce(
                idempotency,
                { tenant: request.tenant, key: idempotencyKey, sha256: file.sha256 },
                submit,
                (id) => service.getImage(id, request.tenant),
              )
            : await submit();
        const body = view(image);
        return reply.code(202).header('location', body.links.self).send(body);
      } finally {
        await spooled?.remove();
      }
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
        tags: ['images'],
        params: ImageIdParams,
        querystring: ImageQuery,
        response: { 200: ImageView, ...problems(404) },
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
      tags: ['images'],
      params: ThumbnailParams,
      querystring: ThumbnailQuery,
      produces: ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'],
      response: { 200: Binary, 304: NotModified, ...problems(404, 409) },
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
          thumbnailDisposition(image.original.filename, image.id, variant.preset, variant.format),
        );
      if (request.method === 'HEAD') return reply.send();
      return reply.send(await open());
    },
  });
};

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
