import type { JobDataByName, JobName } from '../../ports/job-queue.js';

/** What a BullMQ job's `data` holds: the port's job plus what BullMQ has no field for. */
export interface BullmqJobPayload {
  /** The port's job id (the BullMQ id is its encoding, see `toBullmqJobId`). */
  jobId: string;
  data: JobDataByName[JobName];
  carrier: Record<string, string>;
}

/**
 * BullMQ rejects custom ids that contain ':' or look like integers. encodeURIComponent escapes ':' (and is
 * reversible, so distinct ids stay distinct); an integer-like result gets a `%7E` prefix, which encodeURIComponent
 * never emits itself (it leaves '~' alone), so it cannot collide with another encoded id.
 */
export function toBullmqJobId(jobId: string): string {
  const encoded = encodeURIComponent(jobId);
  return `${Number.parseInt(encoded, 10)}` === encoded ? `%7E${encoded}` : encoded;
}
