import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR } from './names.js';

export type { ReadableSpan, SpanExporter };

/** Attribute values; `undefined` ones are left out. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export type SpanRole = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

const KINDS: Record<SpanRole, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

const TRACER_NAME = 'thumbsmith';

export interface TracingOptions {
  /** False: install nothing (no ids anywhere), as `OTEL_SDK_DISABLED=true` asks. */
  enabled: boolean;
  /** Standard exporters by name: `otlp` (OTLP/HTTP, configured by the `OTEL_EXPORTER_OTLP_*` variables), `console`. */
  exporters: readonly ('otlp' | 'console')[];
  serviceName: string;
  serviceVersion?: string;
  /** Extra exporters given as objects: tests pass an in-memory one (see `createMemorySpanExporter`). */
  spanExporters?: readonly SpanExporter[];
  /** `simple` exports each span as it ends (tests); `batch` (default) buffers as `OTEL_BSP_*` say. */
  processor?: 'batch' | 'simple';
}

export interface TracingHandle {
  /** True when finished spans go somewhere (an exporter is installed). */
  readonly recording: boolean;
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and uninstalls; the process may install tracing again afterwards. Memoised. */
  shutdown(): Promise<void>;
}

/**
 * Installs tracing for the whole process (OpenTelemetry's provider is global). With exporters, spans are sampled as
 * `OTEL_TRACES_SAMPLER` says (default: parent-based, always on) and exported. Without any, spans are not recorded
 * (AlwaysOff) but still get ids and still propagate through requests and jobs: logs of one upload then share a
 * `trace_id` in every process at the cost of an id per span.
 */
export async function installTracing(options: TracingOptions): Promise<TracingHandle> {
  if (!options.enabled) {
    return { recording: false, flush: async () => {}, shutdown: async () => {} };
  }
  const exporters: SpanExporter[] = [...(options.spanExporters ?? [])];
  if (options.exporters.includes('otlp')) {
    // Loaded only when used: the exporter and its serialisers are most of the tracing start-up cost.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    exporters.push(new OTLPTraceExporter());
  }
  if (options.exporters.includes('console')) exporters.push(new ConsoleSpanExporter());
  const spanProcessors: SpanProcessor[] = exporters.map((exporter) =>
    options.processor === 'simple' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter),
  );
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector, hostDetector, processDetector] }))
    .merge(
      resourceFromAttributes({
        'service.name': options.serviceName,
        ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
      }),
    );
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors,
    // Without exporters nothing is recorded; with them the SDK reads OTEL_TRACES_SAMPLER itself.
    ...(exporters.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
  });
  // A test may install again after a shutdown; the API refuses to replace globals that are still set.
  uninstallGlobals();
  // W3C trace context only: the job carrier holds `traceparent` (and `tracestate`), nothing else.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  let stopped: Promise<void> | undefined;
  return {
    recording: exporters.length > 0,
    flush: () => provider.forceFlush(),
    shutdown: () => {
      stopped ??= provider.shutdown().finally(uninstallGlobals);
      return stopped;
    },
  };
}

function uninstallGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}

/** An exporter that keeps finished spans in memory (tests). */
export function createMemorySpanExporter(): InMemorySpanExporter {
  return new InMemorySpanExporter();
}

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

function clean(attributes: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

function fail(span: Span, error: unknown): void {
  const record = error instanceof Error ? error : new Error(String(error));
  span.recordException(record);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') span.setAttribute(ATTR.errorCode, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: record.message });
}

/**
 * Runs `fn` inside a new span (a child of the active one), ending it when `fn` settles; a throw marks the span as an
 * error with the exception and its catalogue code.
 */
export async function span<T>(
  name: string,
  attributes: SpanAttributes,
  fn: () => Promise<T>,
  options: { role?: SpanRole } = {},
): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { kind: KINDS[options.role ?? 'internal'], attributes: clean(attributes) },
    async (active) => {
      try {
        return await fn();
      } catch (error) {
        fail(active, error);
        throw error;
      } finally {
        active.end();
      }
    },
  );
}

/** A span started now and ended by its owner: for work whose start and end are in different callbacks. */
export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span as failed (with the exception and its code); `end()` still has to be called. */
  fail(error: unknown): void;
  /** Ends the span; later calls are ignored. */
  end(): void;
  /** Runs `fn` with this span active, so spans and log lines inside it belong to it. */
  run<T>(fn: () => T): T;
}

/**
 * Starts a span without making it active. Its parent is the trace context in `carrier` when one is given (W3C
 * headers: an HTTP request's, a job's), else the active span. `startTime` back-dates it (e.g. a job's time in queue).
 */
export function startSpan(
  name: string,
  attributes: SpanAttributes,
  options: {
    role?: SpanRole;
    carrier?: Readonly<Record<string, string | string[] | undefined>>;
    startTime?: Date;
  } = {},
): SpanHandle {
  const parent: Context = options.carrier ? propagation.extract(ROOT_CONTEXT, options.carrier) : context.active();
  const started = tracer().startSpan(
    name,
    {
      kind: KINDS[options.role ?? 'internal'],
      attributes: clean(attributes),
      ...(options.startTime ? { startTime: options.startTime } : {}),
    },
    parent,
  );
  const inside = trace.setSpan(parent, started);
  let ended = false;
  return {
    setAttributes: (more) => started.setAttributes(clean(more)),
    fail: (error) => fail(started, error),
    end: () => {
      if (ended) return;
      ended = true;
      started.end();
    },
    run: (fn) => context.with(inside, fn),
  };
}

/** Adds attributes to the active span (no-op outside one). */
export function setSpanAttributes(attributes: SpanAttributes): void {
  trace.getActiveSpan()?.setAttributes(clean(attributes));
}

/** Marks the active span as failed with this error (its exception and catalogue code); no-op outside one. */
export function failActiveSpan(error: unknown): void {
  const active = trace.getActiveSpan();
  if (active) fail(active, error);
}

/** True inside a span: port calls outside any trace (probes, scrapes, sweeps) make no spans of their own. */
export function inTrace(): boolean {
  return trace.getActiveSpan() !== undefined;
}

/** The active trace context as W3C headers (`traceparent`, `tracestate`), for a job's carrier. Empty outside a trace. */
export function injectTraceContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Ids of the active span, for log lines; `undefined` outside a trace or when tracing is not installed. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}
