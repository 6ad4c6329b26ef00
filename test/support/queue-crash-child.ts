/**
 * A worker that dies mid-job, for the queue contract's crash-recovery test:
 * `node --import tsx test/support/queue-crash-child.ts <policyJson> sqlite <file>` (or `bullmq <url> <prefix or schema>`).
 * It claims one job, prints `{"claimed":id,"attempt":n}` on stdout and then hangs in the handler (renewing its
 * lease) until the parent SIGKILLs it. It exits by itself after 60 s so a failed test cannot leak it.
 */
import type { RetryPolicyConfig } from '../../src/domain/backoff.js';
import { openQueueFromArgs } from './queue-fixtures.js';

const [policyJson, ...queueArgs] = process.argv.slice(2);
const policy = JSON.parse(policyJson ?? '{}') as RetryPolicyConfig;
const { queue } = openQueueFromArgs(policy, queueArgs);

setTimeout(() => process.exit(3), 60_000).unref();

queue.consume(
  async (job) => {
    process.stdout.write(`${JSON.stringify({ claimed: job.id, attempt: job.attempt })}\n`);
    await new Promise(() => {});
  },
  { concurrency: 1 },
);
