/** One dependency's entry in `/readyz` (which fields appear depends on the check). */
export interface ReadinessCheck {
  ok: boolean;
  code?: string;
  error?: string;
  slow?: boolean;
  latencyMs?: number;
  workerId?: string;
  lastHeartbeat?: string | null;
  freeMb?: number;
}

export interface HeartbeatView {
  workerId: string;
  pid: number;
  hostname: string;
  lastHeartbeat: string;
  ageMs: number;
  fresh: boolean;
  active: number;
  concurrency: number;
}

export interface ReadinessBody {
  status: 'ready' | 'unready';
  checks: Record<'database' | 'queue' | 'storage', ReadinessCheck> & {
    workers?: ReadinessCheck;
    disk?: ReadinessCheck;
  };
  heartbeats?: HeartbeatView[];
}

/** GET `/readyz`: its status code and body. */
export async function readiness(url: string): Promise<{ status: number; body: ReadinessBody }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadinessBody };
}
