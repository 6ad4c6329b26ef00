import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { compose, type Runtime } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { type Role, runServer } from '../../src/server.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface InProcessService {
  url: string;
  runtime: Runtime;
  /** Every JSON log line, parsed. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * Runs one role of Thumbsmith inside the test process (compose + runServer, as the CLI does), so a test can install
 * its own span exporter first. Several roles may share one `DATA_DIR`, as separate processes would.
 */
export async function startInProcess(role: Role, env: Record<string, string>): Promise<InProcessService> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    SWEEP_INTERVAL_MS: '0',
    WORKER_CONCURRENCY: '2',
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const logger = createLogger(config.log, sink);
  const runtime = await compose(config, logger);
  const server = await runServer(runtime, role);
  return { url: server.url, runtime, logs, stop: () => server.stop() };
}

export const makeDataDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'thumbsmith-telemetry-'));
export const removeDataDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });
