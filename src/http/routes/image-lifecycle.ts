import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { ThumbsmithError } from '../../domain/errors.js';
import { IMAGE_STATUSES, type ImageRecord } from '../../domain/image.js';
import type { Preset } from '../../domain/preset.js';
import { type ImageLifecycle, LIST_LIMIT_MAX } from '../../service/image-lifecycle.js';
import { toImageView } from '../image-view.js';
import { answer, parameters, problems } from '../openapi.js';
import { ImageIdParams } from '../schemas.js';

export interface ImageLifecycleRoutesOptions {
  lifecycle: ImageLifecycle;
  presets: readonly Preset[];
  publicUrl: string | undefined;
}

const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT_MAX, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: '`nextCursor` of the previous page' })),
  status: Type.Optional(Type.Unsafe<ImageRecord['status']>({ type: 'string', enum: [...IMAGE_STATUSES] })),
  created_after: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601; only images created after it' })),
  created_before: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601; only images created before it' })),
});

/** List, delete and retry: the lifecycle of a tenant's images. */
export const imageLifecycleRoutes: FastifyPluginAsyncTypebox<ImageLifecycleRoutesOptions> = async (app, options) => {
  const { lifecycle, presets, publicUrl } = options;
  const view = (image: ImageRecord) => toImageView(image, presets, publicUrl ?? '');

  app.get(
    '/images',
    {
      schema: {
        summary: 'List images, newest first',
        description:
          'Keyset pagination: pass `nextCursor` back as `cursor` until it is null. Pages stay stable while images ' +
          'are added (new images sort before every cursor already handed out).',
        operationId: 'listImages',
        tags: ['images'],
        querystring: ListQuery,
        ...parameters('Signed'),
        response: {
          200: answer('One page of the caller’s images', { content: { 'application/json': Type.Ref('ImagePage') } }),
        },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const page = await lifecycle.list(request.tenant, {
        limit: limit ?? 20,
        ...(cursor !== undefined && { cursor }),
        ...(status !== undefined && { status }),
        ...optionalDate('createdAfter', 'created_after', request.query.created_after),
        ...optionalDate('createdBefore', 'created_before', request.query.created_before),
      });
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.delete(
    '/images/:id',
    {
      schema: {
        summary: 'Delete an image and its thumbnails',
        description:
          'Removes the row and every blob no other image shares (uploads of the same bytes share them). A render in ' +
          'flight does not bring the image back. Unknown or already deleted: 404.',
        operationId: 'deleteImage',
        tags: ['images'],
        params: ImageIdParams,
        response: { 204: answer('Deleted, with every blob no other image shares'), ...problems(404) },
      },
    },
    async (request, reply) => {
      await lifecycle.delete(request.tenant, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/images/:id/retry',
    {
      schema: {
        summary: 'Retry a failed image',
        description:
          'Back to `queued` with a fresh attempt budget (`attempts` 0, `error` cleared) and a new render job. ' +
          '`409 TS_NOT_RETRYABLE` unless the image is `failed`.',
        operationId: 'retryImage',
        tags: ['images'],
        params: ImageIdParams,
        response: {
          202: answer('Queued again; follow `Location`', {
            content: { 'application/json': Type.Ref('Image') },
            headers: ['Location'],
          }),
          ...problems(404, 409),
        },
      },
    },
    async (request, reply) => {
      const image = await lifecycle.retry(request.tenant, request.params.id);
      const body = view(image);
      return reply.code(202).header('location', body.links.self).send(body);
    },
  );
};

function optionalDate<K extends string>(key: K, name: string, text: string | undefined): { [P in K]?: Date } {
  if (text === undefined) return {};
  const ms = Date.parse(text);
  // ISO 8601 date or date-time only: Date.parse also accepts looser forms that mean different things to different people.
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) || !Number.isFinite(ms)) {
    throw new ThumbsmithError(
      'TS_VALIDATION',
      `Expected an ISO 8601 date-time for ${name} but received ${JSON.stringify(text)}.`,
    );
  }
  return { [key]: new Date(ms) } as { [P in K]?: Date };
}
