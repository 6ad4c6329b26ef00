import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedServer } from '../support/embedded-runtime.js';

const REQUEST_LINES = ['incoming request', 'request completed'];
const PROBES = ['/healthz', '/readyz', '/metrics'];

/** The request lines Fastify wrote for the request sent with `X-Request-Id: id`, as [message, pino level]. */
const requestLines = (service: EmbeddedServer, id: string) =>
  service.logs
    .filter((line) => line.reqId === id && REQUEST_LINES.includes(String(line.msg)))
    .map((line) => [line.msg, line.level]);

describe('request log lines (in process, on a real socket)', () => {
  let service: EmbeddedServer | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  const send = async (path: string, id: string) => {
    const answer = await fetch(`${service?.url}${path}`, { headers: { 'x-request-id': id } });
    await answer.arrayBuffer();
    return answer.status;
  };

  it('at info, probes and scrapes write no request line; other requests, odd probe spellings included, write both', async () => {
    service = await startEmbeddedServer({ env: { LOG_LEVEL: 'info' } });
    for (const [index, probe] of PROBES.entries()) {
      expect(await send(probe, `probe-${index}`)).toBe(200);
      expect(requestLines(service, `probe-${index}`)).toEqual([]);
    }
    expect(await send('/v1/images', 'api-call')).toBe(200);
    // Paths that only look like a probe are ordinary requests (404), logged as before.
    expect(await send('/healthz/x', 'near-probe')).toBe(404);
    expect(await send('/HEALTHZ', 'upper-probe')).toBe(404);
    for (const id of ['api-call', 'near-probe', 'upper-probe']) {
      expect(requestLines(service, id)).toEqual([
        ['incoming request', 30],
        ['request completed', 30],
      ]);
    }
  });

  it('at debug, probes write both lines at debug', async () => {
    service = await startEmbeddedServer({ env: { LOG_LEVEL: 'debug' } });
    for (const [index, probe] of PROBES.entries()) {
      await send(probe, `probe-${index}`);
      expect(requestLines(service, `probe-${index}`)).toEqual([
        ['incoming request', 20],
        ['request completed', 20],
      ]);
    }
  });
});
