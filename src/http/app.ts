import multipart from '@fastify/multipart';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { IdempotentSubmitter } from '../service/idempotent-submit.js';
import type { ImageLifecycle } from '../service/image-lifecycle.js';
import type { ImageService } from '../service/image-service.js';
import type { ImageWatcher } from '../service/image-watch.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { type AuthOptions, authPlugin } from './auth.js';
import { observabilityPlugin } from './observability.js';
import { describeApiRoute, documentBase, finishDocument } from './openapi.js';
import { asThumbsmithError, problemPlugin, schemaErrorFormatter, sendProblem } from './problem.js';
import { QUEUE_DASHBOARD_PATH, type QueueDashboardOptions, queueDashboardRoutes } from './queue-dashboard.js';
import { type RateLimitOptions, rateLimitPlugin } from './rate-limit.js';
import {
  answerClientError,
  type BodyRateOptions,
  MULTIPART_ALLOWANCE_BYTES,
  requestIdOf,
  requestLimitsPlugin,
  sendContinue,
} from './request-limits.js';
import { QuietProbeLogController } from './request-logging.js';
import { type HealthRoutesOptions, healthRoutes } from './routes/health.js';
import { imageEventRoutes } from './routes/image-events.js';
import { imageLifecycleRoutes } from './routes/image-lifecycle.js';
import { imageRoutes } from './routes/images.js';
import { webUiRoutes } from './routes/web-ui.js';
import { DOCUMENT_ONLY_SCHEMAS, SHARED_SCHEMAS } from './schemas.js';
import { DOCS_CONTENT_SECURITY_POLICY, securityHeadersPlugin, setEveryAnswerHeaders } from './security-headers.js';
import { tenantPlugin } from './tenant.js';

export interface AppDeps {
  service: ImageService;
  logger: Logger;
  maxUploadBytes: number;
  publicUrl: string | undefined;
  /** The package version: the API document's `info.version`. */
  version: string;
  health: HealthRoutesOptions;
  /** `health` serves only liveness and readiness (worker processes). */
  routes: 'all' | 'health';
  /** HTTP and upload metrics, served at `GET /metrics` (every role). */
  metrics?: Metrics;
  /** bull-board at `/admin/queues` behind its token (API processes in Redis mode, when configured). */
  queueDashboard?: QueueDashboardOptions;
  /** List, delete and retry (`GET /v1/images`, `DELETE /v1/images/{id}`, `POST /v1/images/{id}/retry`). */
  lifecycle?: ImageLifecycle;
  /** `?wait=` and the Server-Sent Events streams (`/v1/images/{id}/events`, `/v1/events`). */
  watcher?: ImageWatcher;
  /** API keys and signed URLs on `/v1` (issue 7); without it the API is open and everything is tenant `default`. */
  auth?: AuthOptions;
  /** Per-key and per-address rate limits, and the queue bound for uploads (issue 7). */
  rateLimit?: RateLimitOptions;
  /** Uploads under an `Idempotency-Key` (issue 7). */
  idempotency?: IdempotentSubmitter;
  /** `CORS_ORIGINS`: browser origins allowed to call the API (none by default). */
  corsOrigins?: readonly string[];
  /** HTTP timeouts (issue 13); Node's and Fastify's defaults without it, and bodies may arrive at any pace. */
  timeouts?: HttpTimeouts;
}

export interface HttpTimeouts {
  /** Time for the request line and headers of a request (`HTTP_HEADERS_TIMEOUT_MS`). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection closes after this (`HTTP_KEEP_ALIVE_TIMEOUT_MS`). */
  keepAliveTimeoutMs: number;
  /** The least pace of a request body (`UPLOAD_MIN_BYTES_PER_SECOND` over `UPLOAD_RATE_WINDOW_MS`). */
  bodyRate: BodyRateOptions;
}

/** The project's mark and name for the top bar of /docs (in place of the framework's), and its favicon. */
const DOCS_LOGO = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 190 32" width="190" height="32">' +
    '<rect x="3" y="3" width="26" height="26" rx="7" fill="#4053d6"/><path d="M9 21l5-6 4 4 2.5-3L24 21z" fill="#fff"/>' +
    '<circle cx="20.5" cy="11.5" r="2" fill="#fff"/>' +
    '<text x="38" y="23" font-family="sans-serif" font-size="19" font-weight="700" fill="#fff">Thumbsmith API</text>' +
    '</svg>',
);

/** How often Node looks for connections past their headers timeout (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1000;

/** Builds the HTTP app without listening (tests use `inject()` or listen on port 0). */
export async function buildApp(deps: AppDeps) {
  const { timeouts } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // Probes and scrapes log their request lines at debug (a health check every few seconds is not news).
    logController: new QuietProbeLogController(),
    // The caller's X-Request-Id only when it is short and plain (requestIdOf); never taken unchecked.
    requestIdHeader: false,
    genReqId: requestIdOf,
    trustProxy: false,
    schemaErrorFormatter,
    return503OnClosing: true,
    ...(timeouts && {
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      http: {
        headersTimeout: timeouts.headersTimeoutMs,
        connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, timeouts.headersTimeoutMs),
      },
    }),
    clientErrorHandler: (error, socket) => answerClientError(error, socket, deps.logger),
    // A URL the router cannot decode, or a parameter over its length, is refused before any hook runs: the answer
    // gets the headers and the problem document here, and the connection closes (no hook bounds its body).
    frameworkErrors: (error, request, reply) => {
      setEveryAnswerHeaders(request, reply);
      reply.header('connection', 'close');
      return sendProblem(request, reply, asThumbsmithError(error));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Node answers `Expect: 100-continue` on arrival, before any check; it is sent by sendContinue below instead.
  app.server.on('checkContinue', (request, response) => app.server.emit('request', request, response));

  // server.close() ends idle keep-alive sockets only when it is called; a response still being written then leaves a
  // socket that turns idle later and would hold the shutdown for a whole keepAliveTimeout. Close those as they idle.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onResponse', async () => {
    if (closing) setImmediate(() => app.server.closeIdleConnections());
  });

  await app.register(problemPlugin);
  await app.register(tenantPlugin);
  await app.register(securityHeadersPlugin, { corsOrigins: deps.corsOrigins ?? [] });
  // Before any hook that may refuse a request: a refused request's body is still bounded and drained.
  await app.register(requestLimitsPlugin, {
    maxBodyBytes: deps.maxUploadBytes + MULTIPART_ALLOWANCE_BYTES,
    ...(timeouts && { bodyRate: timeouts.bodyRate }),
  });
  // The rate limit before auth: it counts the address before authentication and the key after it.
  if (deps.rateLimit) await app.register(rateLimitPlugin, deps.rateLimit);
  if (deps.auth) await app.register(authPlugin, deps.auth);
  // After the rate limit's and auth's own preParsing hooks: every check before the body has passed.
  app.addHook('preParsing', async (request, reply) => sendContinue(request, reply));
  // Worker processes serve health, readiness and metrics only: no image API, so no API document either.
  if (deps.routes === 'all') {
    // Before the routes: their security, scope and the answers authentication adds are declared as they register.
    app.addHook('onRoute', describeApiRoute);
    const base = documentBase({ version: deps.version, publicUrl: deps.publicUrl });
    await app.register(swagger, {
      // Plain JSON built in openapi.ts; the plugin's types want OpenAPI's literal unions.
      openapi: {
        ...base,
        components: { ...base.components, schemas: Object.fromEntries(DOCUMENT_ONLY_SCHEMAS.map(asComponent)) },
      } as FastifyDynamicSwaggerOptions['openapi'],
      // Shared schemas are components named by their `$id` (the default numbers them `def-N`).
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `schema-${i}`) },
      transformObject: (documentObject) =>
        finishDocument((documentObject as { openapiObject: Parameters<typeof finishDocument>[0] }).openapiObject),
    });
  }
  await app.register(observabilityPlugin, { ...(deps.metrics ? { metrics: deps.metrics } : {}) });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
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
  if (deps.routes === 'all') {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CONTENT_SECURITY_POLICY,
      logo: { type: 'image/svg+xml', content: DOCS_LOGO, href: '/', target: '_self' },
      theme: {
        title: 'Thumbsmith API',
        favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: DOCS_LOGO }],
      },
      // The key given to Authorize lives in the page only, never in localStorage.
      uiConfig: { persistAuthorization: false, displayOperationId: true },
    });
    await app.register(imageRoutes, {
      prefix: '/v1',
      service: deps.service,
      publicUrl: deps.publicUrl,
      ...(deps.watcher && { watcher: deps.watcher }),
      ...(deps.idempotency && { idempotency: deps.idempotency }),
    });
    const lifecycleOptions = { prefix: '/v1', presets: deps.service.presets, publicUrl: deps.publicUrl };
    if (deps.lifecycle) await app.register(imageLifecycleRoutes, { ...lifecycleOptions, lifecycle: deps.lifecycle });
    if (deps.watcher) await app.register(imageEventRoutes, { ...lifecycleOptions, watcher: deps.watcher });
    await app.register(webUiRoutes);
  }
  await app.register(healthRoutes, deps.health);
  if (deps.queueDashboard && deps.routes === 'all') {
    await app.register(queueDashboardRoutes, { ...deps.queueDashboard, prefix: QUEUE_DASHBOARD_PATH });
  }
  return app;
}

/** A document-only schema as a component: its `$id` names it, so it is not repeated inside. */
function asComponent(schema: object): [string, object] {
  const { $id, ...component } = schema as { $id?: string };
  return [String($id), component];
}

export type App = Awaited<ReturnType<typeof buildApp>>;
