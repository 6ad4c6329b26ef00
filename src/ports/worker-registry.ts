/**
 * Worker heartbeats: every worker process records its last contact with the queue here, so any process (an API in
 * scale-out) can list the workers and how fresh they are.
 */
export interface WorkerRegistry {
  /**
   * Upserts this worker's heartbeat (one row per `workerId`). Also deletes rows not seen for a day (crashed workers),
   * so the table stays as small as the fleet.
   */
  recordHeartbeat(heartbeat: WorkerHeartbeat): Promise<void>;

  /** Workers whose last heartbeat is at or after `since`, by `workerId`. */
  listHeartbeats(since: Date): Promise<WorkerHeartbeat[]>;

  /** Forgets a worker that stopped gracefully. Idempotent. */
  removeHeartbeat(workerId: string): Promise<void>;
}

/** A worker process as it last reported itself. */
export interface WorkerHeartbeat {
  /** Unique per process start (`hostname:pid:random`). */
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: Date;
  /** The worker's last successful contact with the queue. */
  lastSeenAt: Date;
  /** Jobs it was running then, of `concurrency` at most. */
  active: number;
  concurrency: number;
}
