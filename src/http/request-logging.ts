import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { isProbeRoute } from './api-route.js';

/**
 * Fastify's request lines (`incoming request`, `request completed`), at `debug` for probes and scrapes: a container
 * health check every few seconds would otherwise write two `info` lines each time. A probe that fails with an error
 * is still logged as Fastify logs it; every other request is unchanged.
 */
export class QuietProbeLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isProbeRoute(request)) {
      super.incomingRequest(request, reply, metadata);
    } else if (!this.isLogDisabled(request)) {
      request.log.debug({ req: request }, 'incoming request');
    }
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (error || !isProbeRoute(request)) {
      super.requestCompleted(error, request, reply, metadata);
    } else if (!this.isLogDisabled(request)) {
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}
