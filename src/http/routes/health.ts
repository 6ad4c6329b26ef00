import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { type ErrorCode, ThumbsmithError } from '../../domain/errors.js';
import type { WorkerHeartbeat } from '../../ports/metadata-store.js';
import { Readiness } from '../schemas.js';

export interface WorkerState {
  running: boolean;
  active: number;
  lastHeartbeat: Date | undefined;
  workerId?: string;
}

export interface HealthRoutesOptions {
  dependencies: { database(): Promise<void>; queue(): Promise<void>; storage(): Promise<void> };
  /** Present when this process runs workers. */
  workers?: () => WorkerState;
  /** A worker whose last contact with the queue is older than this is not alive. */
  heartbeatStaleMs: number;
  /** Every worker's shared heartbeat record seen since the given time (listed, never fails readiness). */
  heartbeats?: (since: Date) => Promise<WorkerHeartbeat[]>;
}

/** How far back `/readyz` lists worker heartbeats. */
const HEARTBEAT_LIST_WINDOW_MS = 60 * 60 * 1000;

const CHECK_TIMEOUT_MS = 2000;

/** Runs one dependency check, bounded; a failure carries the dependency's catalogue code (whatever was thrown). */
async function timedCheck(check: () => Promise<void>, unavailable: ErrorCode) {
  const started = performance.now();
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const code = error instanceof ThumbsmithError ? error.code : unavailable;
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message, code };
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
      const [database, queue, storage, heartbeats] = await Promise.all([
        timedCheck(dependencies.database, 'TS_DATABASE_UNAVAILABLE'),
        timedCheck(dependencies.queue, 'TS_QUEUE_UNAVAILABLE'),
        timedCheck(dependencies.storage, 'TS_STORAGE_UNAVAILABLE'),
        listHeartbeats(options),
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
        ...(state.workerId ? { workerId: state.workerId } : {}),
      };
      const ready = database.ok && queue.ok && storage.ok && (workers?.ok ?? true);
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unready',
        checks: { database, queue, storage, ...(workers ? { workers } : {}) },
        ...(heartbeats ? { heartbeats } : {}),
      });
    },
  );
};

/** The shared heartbeat records with their age; `undefined` when there are none to read or the read failed. */
async function listHeartbeats(options: HealthRoutesOptions) {
  if (!options.heartbeats) return undefined;
  const now = Date.now();
  try {
    let timer: NodeJS.Timeout | undefined;
    const records = await Promise.race([
      options.heartbeats(new Date(now - HEARTBEAT_LIST_WINDOW_MS)),
      new Promise<never>((_, reject) => {
        // Bounded like the checks: a hanging database must not hold /readyz.
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    return records.map((record) => {
      const ageMs = Math.max(0, now - record.lastSeenAt.getTime());
      return {
        workerId: record.workerId,
        hostname: record.hostname,
        pid: record.pid,
        startedAt: record.startedAt.toISOString(),
        lastHeartbeat: record.lastSeenAt.toISOString(),
        ageMs,
        fresh: ageMs < options.heartbeatStaleMs,
        active: record.active,
        concurrency: record.concurrency,
      };
    });
  } catch {
    // The database check above reports the outage.
    return undefined;
  }
}
