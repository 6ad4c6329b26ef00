import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { withLogFields } from '../telemetry/log-context.js';
import type { Metrics } from '../telemetry/metrics.js';
import { ATTR } from '../telemetry/names.js';
import { type SpanHandle, startSpan } from '../telemetry/tracing.js';
import { answer } from './openapi.js';
import { asThumbsmithError } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's server span and the catalogue code it failed with (set by the observability plugin). */
    telemetry: RequestTelemetry | null;
  }
}

interface RequestTelemetry {
  span: SpanHandle | undefined;
  errorCode: string | undefined;
}

export interface ObservabilityOptions {
  /** Records HTTP and upload metrics and serves them at `GET /metrics`; without it, tracing and log ids only. */
  metrics?: Metrics;
}

/** The route that takes uploads: its answers are counted in `thumbsmith_uploads_total`. */
const UPLOAD_ROUTE = 'POST /v1/images';

/** Probes, scrapes, docs and the dashboard are not worth a trace each; nor are requests for routes that do not exist. */
const UNTRACED = [/^\/healthz$/, /^\/readyz$/, /^\/metrics$/, /^\/docs/, /^\/admin\//, /^unmatched$/];

/** The route pattern (`/v1/images/:id`), never the raw URL, so metric labels and span names stay few. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * Every request gets a server span (continuing the caller's W3C trace context when it sends one), a log context with
 * its request id (so service log lines carry `reqId`, `trace_id` and `span_id`), and one observation in the HTTP
 * metrics; answers of the upload route are counted by outcome and code. Serves `GET /metrics` when given metrics.
 */
export const observabilityPlugin = fp(
  async (app: FastifyInstance, options: ObservabilityOptions) => {
    const { metrics } = options;
    app.decorateRequest('telemetry', null);

    app.addHook('onRequest', (request, _reply, done) => {
      const route = routeOf(request);
      const span = UNTRACED.some((pattern) => pattern.test(route))
        ? undefined
        : startSpan(
            `${request.method} ${route}`,
            {
              [ATTR.httpMethod]: request.method,
              [ATTR.httpRoute]: route,
              [ATTR.urlPath]: request.url.split('?')[0],
              [ATTR.requestId]: request.id,
            },
            { role: 'server', carrier: request.headers },
          );
      request.telemetry = { span, errorCode: undefined };
      // The rest of the request runs inside both contexts: Fastify calls the next hook and the handler from done().
      const next = () => withLogFields({ reqId: request.id }, done, { fresh: true });
      if (span) span.run(next);
      else next();
    });

    app.addHook('onError', async (request, _reply, error) => {
      const code = asThumbsmithError(error).code;
      if (request.telemetry) request.telemetry.errorCode = code;
      request.telemetry?.span?.setAttributes({ [ATTR.errorCode]: code });
    });

    app.addHook('onResponse', async (request, reply) => {
      const route = routeOf(request);
      const status = reply.statusCode;
      metrics?.httpRequest(request.method, route, status, reply.elapsedTime / 1000);
      if (`${request.method} ${route}` === UPLOAD_ROUTE) {
        const code = request.telemetry?.errorCode ?? (status >= 400 ? `HTTP_${status}` : undefined);
        metrics?.upload(status < 400 ? 'accepted' : status < 500 ? 'rejected' : 'failed', code);
      }
      const span = request.telemetry?.span;
      if (span) {
        span.setAttributes({ [ATTR.httpStatus]: status });
        if (status >= 500) span.fail(new Error(`HTTP ${status}`));
        span.end();
      }
    });

    app.addHook('onRequestAbort', async (request) => {
      request.telemetry?.span?.setAttributes({ 'http.request.aborted': true });
      request.telemetry?.span?.end();
    });

    if (metrics) {
      app.get(
        '/metrics',
        {
          schema: {
            operationId: 'getMetrics',
            summary: 'Prometheus metrics of this process (text format)',
            description: 'HTTP, upload, queue and render metrics of this process, for a Prometheus scrape.',
            tags: ['health'],
            response: { 200: answer('The metrics', { content: { 'text/plain': Type.String() } }) },
          },
        },
        async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
      );
    }
  },
  { name: 'thumbsmith-observability', fastify: '5.x' },
);
