import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { Readiness } from '../schemas.js';

export interface WorkerState {
  running: boolean;
  active: number;
  lastHeartbeat: Date | undefined;
}

export interface HealthRoutesOptions {
  dependencies: { database(): Promise<void>; queue(): Promise<void>; storage(): Promise<void> };
  /** Present when this process runs workers. */
  workers?: () => WorkerState;
  /** A worker whose last contact with the queue is older than this is not alive. */
  heartbeatStaleMs: number;
}

const CHECK_TIMEOUT_MS = 2000;

async function timedCheck(check: () => Promise<void>) {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, options) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: database, queue and storage reachable; workers alive',
        tags: ['health'],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const { dependencies } = options;
      const [database, queue, storage] = await Promise.all([
        timedCheck(dependencies.database),
        timedCheck(dependencies.queue),
        timedCheck(dependencies.storage),
      ]);
      const state = options.workers?.();
      const workers = state && {
        ok:
          state.running &&
          state.lastHeartbeat !== undefined &&
          Date.now() - state.lastHeartbeat.getTime() < options.heartbeatStaleMs,
        running: state.running,
        active: state.active,
        lastHeartbeat: state.lastHeartbeat?.toISOString() ?? null,
      };
      const ready = database.ok && queue.ok && storage.ok && (workers?.ok ?? true);
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unready',
        checks: { database, queue, storage, ...(workers ? { workers } : {}) },
      });
    },
  );
};
