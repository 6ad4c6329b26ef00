import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTracing } from '../../src/config/tracing.js';
import { withLogFields } from '../../src/telemetry/log-context.js';
import { createLogger, scrubCredentials } from '../../src/telemetry/logger.js';
import {
  activeTraceIds,
  createMemorySpanExporter,
  injectTraceContext,
  installTracing,
  span,
  startSpan,
  type TracingHandle,
} from '../../src/telemetry/tracing.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json' }, sink);
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('tracing configuration from the standard OTEL_* variables', () => {
  const parse = (env: Record<string, string>) => {
    const problems: string[] = [];
    return { config: parseTracing(env, problems), problems };
  };

  it('exports nothing unless an exporter or an OTLP endpoint is named, but keeps ids on', () => {
    expect(parse({})).toEqual({
      config: { enabled: true, exporters: [], serviceName: 'thumbsmith' },
      problems: [],
    });
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).config.exporters).toEqual(['otlp']);
    expect(parse({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).config.exporters).toEqual(['otlp']);
    expect(parse({ OTEL_TRACES_EXPORTER: 'otlp' }).config.exporters).toEqual(['otlp']);
    expect(parse({ OTEL_TRACES_EXPORTER: 'console, otlp' }).config.exporters).toEqual(['console', 'otlp']);
    expect(
      parse({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).config.exporters,
    ).toEqual([]);
    expect(parse({ OTEL_SERVICE_NAME: 'thumbs-eu' }).config.serviceName).toBe('thumbs-eu');
  });

  it('turns everything off with OTEL_SDK_DISABLED=true and rejects exporters it does not ship', () => {
    expect(parse({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }).config).toEqual({
      enabled: false,
      exporters: [],
      serviceName: 'thumbsmith',
    });
    expect(parse({ OTEL_TRACES_EXPORTER: 'zipkin' }).problems).toEqual([
      'OTEL_TRACES_EXPORTER: expected otlp, console or none (comma-separated) but received "zipkin"',
    ]);
    expect(parse({ OTEL_SDK_DISABLED: 'maybe' }).problems).toHaveLength(1);
  });
});

describe('tracing off (no exporter): nothing recorded, ids still propagate', () => {
  let tracing: TracingHandle | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
  });

  it('gives spans ids and a not-sampled traceparent, and a carrier continues the trace', async () => {
    tracing = await installTracing({ enabled: true, exporters: [], serviceName: 'off' });
    expect(tracing.recording).toBe(false);
    const outer = await span('outer', {}, async () => ({ ids: activeTraceIds(), carrier: injectTraceContext() }));
    expect(outer.ids?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(outer.carrier.traceparent).toBe(`00-${outer.ids?.traceId}-${outer.ids?.spanId}-00`);
    const child = startSpan('job', {}, { carrier: outer.carrier });
    const inChild = child.run(() => activeTraceIds());
    child.end();
    expect(inChild?.traceId).toBe(outer.ids?.traceId);
    expect(inChild?.spanId).not.toBe(outer.ids?.spanId);
  });

  it('records spans once an exporter is installed, sampled', async () => {
    const exporter = createMemorySpanExporter();
    tracing = await installTracing({
      enabled: true,
      exporters: [],
      serviceName: 'on',
      spanExporters: [exporter],
      processor: 'simple',
    });
    const carrier = await span('outer', { 'thumbsmith.image.id': 'img_x', skipped: undefined }, async () =>
      injectTraceContext(),
    );
    expect(carrier.traceparent).toMatch(/-01$/);
    await tracing.flush();
    const [finished] = exporter.getFinishedSpans();
    expect(finished?.name).toBe('outer');
    expect(finished?.attributes).toEqual({ 'thumbsmith.image.id': 'img_x' });
  });

  it('installs nothing when disabled: no ids, empty carriers', async () => {
    tracing = await installTracing({ enabled: false, exporters: [], serviceName: 'disabled' });
    const result = await span('outer', {}, async () => ({ ids: activeTraceIds(), carrier: injectTraceContext() }));
    expect(result).toEqual({ ids: undefined, carrier: {} });
  });
});

describe('JSON log lines', () => {
  let tracing: TracingHandle | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
  });

  it('carry the context’s ids and the active span’s ids, each key once', async () => {
    tracing = await installTracing({ enabled: true, exporters: [], serviceName: 'logs' });
    const { logger, lines, parsed } = capture();
    const ids = await span('request', {}, async () =>
      withLogFields({ reqId: 'req-1', imageId: 'img_1' }, () => {
        logger.info('from the root logger');
        logger.child({ imageId: 'img_1', jobId: 'job-1' }).info('from a child that binds the image id');
        return activeTraceIds();
      }),
    );
    logger.info('outside');
    const [root, child, outside] = parsed();
    expect(root).toMatchObject({ reqId: 'req-1', imageId: 'img_1', trace_id: ids?.traceId, span_id: ids?.spanId });
    expect(child).toMatchObject({ reqId: 'req-1', imageId: 'img_1', jobId: 'job-1', trace_id: ids?.traceId });
    expect(lines[1]?.match(/"imageId"/g)).toHaveLength(1);
    expect(outside).not.toHaveProperty('reqId');
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('starts a job’s fields fresh instead of inheriting the request that woke it', () => {
    const { logger, parsed } = capture();
    withLogFields({ reqId: 'req-1', imageId: 'img_a' }, () =>
      withLogFields({ imageId: 'img_b', jobId: 'job-b', attempt: 2 }, () => logger.info('job line'), { fresh: true }),
    );
    const [line] = parsed();
    expect(line).toMatchObject({ imageId: 'img_b', jobId: 'job-b', attempt: 2 });
    expect(line).not.toHaveProperty('reqId');
  });

  it('never prints secrets: auth headers, tokens, passwords, connection strings, credentials in URLs', () => {
    const { logger, lines } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer sekrit-1', cookie: 'session=sekrit-2' } },
      config: { database: { url: 'postgres://app:sekrit-3@db/x' }, queueDashboard: { token: 'sekrit-4' } },
      s3: { secretAccessKey: 'sekrit-5', sessionToken: 'sekrit-6' },
      pool: { connectionString: 'postgres://app:sekrit-7@db/x', password: 'sekrit-8' },
    });
    logger.error({ err: new Error('connect failed: postgres://app:sekrit-9@db:5432/x') }, 'database down');
    logger.child({}).warn({ err: new Error('redis://:sekrit-10@cache:6379 refused') }, 'queue down');
    // pg-pool attaches the Client to its errors; drivers attach options with credentials deep inside.
    const poolError = Object.assign(new Error('Connection terminated unexpectedly'), {
      client: { connectionParameters: { user: 'app', password: 'sekrit-11' } },
      options: { auth: { credentials: { secretAccessKey: 'sekrit-12' } }, endpoint: 'https://k:sekrit-13@s3.example' },
    });
    logger.warn({ err: poolError }, 'idle Postgres client error');
    const text = lines.join('\n');
    expect(text).not.toMatch(/sekrit/);
    expect(text).toContain('postgres://app:***@db:5432/x');
    expect(text).toContain('[redacted]');
  });

  it('scrubs only the password part of URLs', () => {
    expect(scrubCredentials('s3://AKIA:abc/def@bucket and https://u:p@h/x?y')).toBe(
      's3://AKIA:***@bucket and https://u:***@h/x?y',
    );
    expect(scrubCredentials('http://host:8080/path')).toBe('http://host:8080/path');
    expect(scrubCredentials('redis://:p4ss@cache:6379 and mail me at ops@example.com')).toBe(
      'redis://:***@cache:6379 and mail me at ops@example.com',
    );
  });
});
