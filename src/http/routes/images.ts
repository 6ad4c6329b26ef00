import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ThumbsmithError } from '../../domain/errors.js';
import type { ImageService } from '../../service/image-service.js';
import { toImageView } from '../image-view.js';
import { Binary, ImageIdParams, ImageView, NotModified, Problem, ThumbnailParams } from '../schemas.js';

export interface ImageRoutesOptions {
  service: ImageService;
  publicUrl: string | undefined;
}

const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Problem]));

/** Thumbnails change only when their preset changes (a new version), so they may be cached for a long time. */
const THUMBNAIL_CACHE_CONTROL = 'public, max-age=604800';

export const imageRoutes: FastifyPluginAsyncTypebox<ImageRoutesOptions> = async (app, { service, publicUrl }) => {
  const view = (image: Parameters<typeof toImageView>[0]) => toImageView(image, service.presets, publicUrl ?? '');

  app.post(
    '/images',
    {
      schema: {
        summary: 'Upload an image',
        description:
          'multipart/form-data with one field `file`. The type is sniffed from the bytes and the header probed ' +
          'before the render job is queued. Answers at once with the image id; poll `links.self`.',
        tags: ['images'],
        consumes: ['multipart/form-data'],
        response: { 202: ImageView, ...problems(400, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const file = await request.file();
      if (file?.fieldname !== 'file') {
        file?.file.resume();
        throw new ThumbsmithError(
          'TS_FILE_MISSING',
          'Send multipart/form-data with the image in a field named "file".',
        );
      }
      const image = await service.submitUpload({ stream: file.file, filename: file.filename, tenant: 'default' });
      const body = view(image);
      return reply.code(202).header('location', body.links.self).send(body);
    },
  );

  app.get(
    '/images/:id',
    {
      schema: {
        summary: 'Get an image: status, original, variants',
        tags: ['images'],
        params: ImageIdParams,
        response: { 200: ImageView, ...problems(404) },
      },
    },
    async (request) => view(await service.getImage(request.params.id)),
  );

  app.get(
    '/images/:id/thumbnails/:preset',
    {
      schema: {
        summary: 'Download a thumbnail',
        description:
          'The rendered bytes with their exact Content-Type. `409 TS_NOT_READY` with `Retry-After` while the image ' +
          'is queued or processing; `409 TS_IMAGE_FAILED` when it failed.',
        tags: ['images'],
        params: ThumbnailParams,
        produces: ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'],
        response: { 200: Binary, 304: NotModified, ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const { image, variant, body } = await service.openThumbnail(request.params.id, request.params.preset);
      const etag = `"${variant.sha256}"`;
      reply
        .header('etag', etag)
        .header('cache-control', THUMBNAIL_CACHE_CONTROL)
        .header('x-content-type-options', 'nosniff')
        .header('last-modified', (image.completedAt ?? image.updatedAt).toUTCString());
      if (request.headers['if-none-match'] === etag) {
        body.destroy();
        return reply.code(304).send();
      }
      return reply.type(variant.contentType).header('content-length', String(variant.bytes)).send(body);
    },
  );
};
