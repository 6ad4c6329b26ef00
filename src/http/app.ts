import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { ImageService } from '../service/image-service.js';
import type { Logger } from '../telemetry/logger.js';
import { problemPlugin } from './problem.js';
import { type HealthRoutesOptions, healthRoutes } from './routes/health.js';
import { imageRoutes } from './routes/images.js';
import { Problem } from './schemas.js';

export interface AppDeps {
  service: ImageService;
  logger: Logger;
  maxUploadBytes: number;
  publicUrl: string | undefined;
  health: HealthRoutesOptions;
  /** `health` serves only liveness and readiness (worker processes). */
  routes: 'all' | 'health';
}

/** Builds the HTTP app without listening (tests use `inject()` or listen on port 0). */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    disableRequestLogging: false,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    trustProxy: false,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(problemPlugin);
  app.addSchema(Problem);
  await app.register(multipart, {
    limits: {
      files: 1,
      fields: 10,
      parts: 12,
      fieldSize: 4096,
      headerPairs: 100,
      // One byte more than allowed, so the service's own byte meter (which names the limit) is what rejects.
      fileSize: deps.maxUploadBytes + 1,
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Thumbsmith',
        version: '1',
        description: 'Upload images, get thumbnails of every configured preset. Errors are RFC 9457 problem+json.',
      },
      tags: [
        { name: 'images', description: 'Upload, status and thumbnails' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
    },
    transformObject: (documentObject) =>
      withUploadRequestBody((documentObject as { openapiObject: OpenApiDocument }).openapiObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  if (deps.routes === 'all') {
    await app.register(imageRoutes, { prefix: '/v1', service: deps.service, publicUrl: deps.publicUrl });
  }
  await app.register(healthRoutes, deps.health);
  return app;
}

type OpenApiDocument = { paths?: Record<string, Record<string, Record<string, unknown>>> };

/** Multipart bodies are read as a stream, not validated by a schema, so the document is told about them here. */
function withUploadRequestBody(document: OpenApiDocument): OpenApiDocument {
  const upload = document.paths?.['/v1/images']?.post;
  if (upload) {
    upload.requestBody = {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', format: 'binary', description: 'The image' } },
          },
        },
      },
    };
  }
  return document;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
