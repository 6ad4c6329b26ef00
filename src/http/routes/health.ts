import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { type ErrorCode, ThumbsmithError } from '../../domain/errors.js';
import { settleWithin, withTimeout } from '../../lib/timeout.js';
import type { WorkerHeartbeat } from '../../ports/worker-registry.js';
import { answer } from '../openapi.js';

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
  /** Free space on the disks this process writes to, against the configured minimum (below it: not ready). */
  disk?: () => Promise<DiskCheck>;
  /** Every worker's shared heartbeat record seen since the given time (listed, never fails readiness). */
  heartbeats?: (since: Date) => Promise<WorkerHeartbeat[]>;
}

export interface DiskCheck {
  ok: boolean;
  freeMb: number;
  minFreeMb: number;
  /** `TS_STORAGE_FULL` when below the minimum. */
  code?: ErrorCode;
}

/** How far back `/readyz` lists worker heartbeats. */
const HEARTBEAT_LIST_WINDOW_MS = 60 * 60 * 1000;

/**
 * A dependency that answers later than this is reported `slow` but still counts as ready: an S3 or a database that is
 * merely busy under ordinary load must not take the process out of rotation. It is also as long as `/readyz` waits.
 */
const SLOW_CHECK_MS = 2000;
/** A dependency that fails, or has not answered for this long, is down: the process is not ready. */
const DOWN_CHECK_MS = 10_000;

interface CheckResult {
  ok: boolean;
  /** Still answering, but later than {@link SLOW_CHECK_MS}. */
  slow?: boolean;
  latencyMs: number;
  error?: string;
  code?: ErrorCode;
}

/**
 * One dependency's check, shared by concurrent `/readyz` requests (a probe storm never runs more than one check per
 * dependency at a time). A request waits for the running check up to {@link SLOW_CHECK_MS}; past that it answers
 * `slow`, ready unless the previous check found the dependency down, and the check runs on in the background, bounded
 * by {@link DOWN_CHECK_MS}, for the next request to see.
 */
class DependencyCheck {
  readonly #check: () => Promise<void>;
  readonly #unavailable: ErrorCode;
  #running: { started: number; result: Promise<CheckResult> } | undefined;
  #last: CheckResult | undefined;

  constructor(check: () => Promise<void>, unavailable: ErrorCode) {
    this.#check = check;
    this.#unavailable = unavailable;
  }

  async read(): Promise<CheckResult> {
    const running = this.#running ?? this.#start();
    if (await settleWithin(running.result, SLOW_CHECK_MS)) return running.result;
    const latencyMs = Math.round(performance.now() - running.started);
    if (this.#last && !this.#last.ok) return { ...this.#last, latencyMs };
    return { ok: true, slow: true, latencyMs };
  }

  #start(): { started: number; result: Promise<CheckResult> } {
    const started = performance.now();
    const result = this.#run(started).then((outcome) => {
      this.#last = outcome;
      this.#running = undefined;
      return outcome;
    });
    this.#running = { started, result };
    return this.#running;
  }

  /** Never rejects: a failure becomes a result carrying the dependency's code and a detail fit for anyone to read. */
  async #run(started: number): Promise<CheckResult> {
    try {
      await withTimeout(
        this.#check(),
        DOWN_CHECK_MS,
        () => new ThumbsmithError(this.#unavailable, `No answer within ${DOWN_CHECK_MS} ms.`),
      );
      const latencyMs = Math.round(performance.now() - started);
      return latencyMs > SLOW_CHECK_MS ? { ok: true, slow: true, latencyMs } : { ok: true, latencyMs };
    } catch (error) {
      // Adapters' details name no addresses; anything else is summed up by the dependency's title.
      const problem = error instanceof ThumbsmithError ? error : new ThumbsmithError(this.#unavailable);
      return {
        ok: false,
        latencyMs: Math.round(performance.now() - started),
        error: problem.detail,
        code: problem.code,
      };
    }
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, options) => {
  const { dependencies } = options;
  const checks = {
    database: new DependencyCheck(dependencies.database, 'TS_DATABASE_UNAVAILABLE'),
    queue: new DependencyCheck(dependencies.queue, 'TS_QUEUE_UNAVAILABLE'),
    storage: new DependencyCheck(dependencies.storage, 'TS_STORAGE_UNAVAILABLE'),
  };
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getLiveness',
        summary: 'Liveness: the process answers',
        description: 'Answers while the process runs, whatever its dependencies: restart the process when it does not.',
        tags: ['health'],
        response: {
          200: answer('The process is alive', { content: { 'application/json': Type.Ref('Health') } }),
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: database, queue and storage reachable (slow is still ready); free disk; workers alive',
        description:
          'Send traffic to the process only while this answers 200. Each check is bounded (a dependency slower than ' +
          '2 s is reported `slow` but still ready); the worker heartbeats are listed, never decisive.',
        tags: ['health'],
        response: {
          200: answer('Ready: every check passed', { content: { 'application/json': Type.Ref('Readiness') } }),
          503: answer('Not ready: `checks` names what failed', {
            content: { 'application/json': Type.Ref('Readiness') },
          }),
        },
      },
    },
    async (_request, reply) => {
      const [database, queue, storage, disk, heartbeats] = await Promise.all([
        checks.database.read(),
        checks.queue.read(),
        checks.storage.read(),
        options.disk?.(),
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
      const ready = database.ok && queue.ok && storage.ok && (disk?.ok ?? true) && (workers?.ok ?? true);
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'unready',
        checks: { database, queue, storage, ...(disk ? { disk } : {}), ...(workers ? { workers } : {}) },
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
    // Bounded like the checks: a hanging database must not hold /readyz.
    const records = await withTimeout(
      options.heartbeats(new Date(now - HEARTBEAT_LIST_WINDOW_MS)),
      SLOW_CHECK_MS,
      () => new Error('timed out'),
    );
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
