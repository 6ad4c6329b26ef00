import type { Metrics } from './metrics.js';
import { ATTR, type Dependency } from './names.js';
import { inTrace, type SpanAttributes, span } from './tracing.js';

/** A method the decorator leaves as it is: synchronous ones, iterators, lifecycle. */
export const UNTRACED = 'untraced';

/**
 * One entry per member of the port, so a method added to the port does not compile until it is listed: for an async
 * method, the span attributes of one call from its arguments (an image id, a blob key), or {@link UNTRACED}.
 */
export type MethodTable<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends (...args: infer A) => Promise<unknown>
    ? ((...args: A) => SpanAttributes) | typeof UNTRACED
    : typeof UNTRACED;
};

export interface InstrumentOptions<T> {
  /** What the port is to an operator: `database`, `queue` or `storage` (metric label and span attribute). */
  dependency: Dependency;
  /** Span name prefix, e.g. `metadata` gives `metadata.markDone`. */
  name: string;
  /** Attributes for every span (`db.system.name`, …). */
  attributes?: SpanAttributes;
  methods: MethodTable<T>;
  metrics?: Metrics;
}

/** For methods whose spans carry nothing beyond the port's own attributes. */
export const noAttributes = (): SpanAttributes => ({});

/**
 * A plain object implementing the port (an interface of methods) whose traced methods get a client span per call
 * (only inside a trace, so probes and scrapes make no root spans) and the call's latency in
 * `thumbsmith_dependency_duration_seconds`. The port's own behaviour and errors pass through unchanged; methods run
 * with `this` = the real port, so ports with `#private` fields work. An optional method the port lacks stays absent.
 */
export function instrumentPort<T extends object>(port: T, options: InstrumentOptions<T>): T {
  const instrumented: Partial<Record<keyof T, unknown>> = {};
  for (const method of Object.keys(options.methods) as Array<keyof T & string>) {
    const original: unknown = port[method];
    if (typeof original !== 'function') continue;
    const entry = options.methods[method] as ((...args: unknown[]) => SpanAttributes) | typeof UNTRACED;
    instrumented[method] =
      entry === UNTRACED
        ? original.bind(port)
        : (...args: unknown[]) =>
            observeCall(
              () => original.apply(port, args),
              method,
              () => entry(...args),
              options,
            );
  }
  return instrumented as T;
}

function observeCall<T>(
  call: () => Promise<unknown>,
  operation: string,
  describeCall: () => SpanAttributes,
  options: InstrumentOptions<T>,
): Promise<unknown> {
  const started = performance.now();
  const record = (ok: boolean) =>
    options.metrics?.dependencyCall(options.dependency, operation, (performance.now() - started) / 1000, ok);
  const timedCall = async () => {
    try {
      const result = await call();
      record(true);
      return result;
    } catch (error) {
      record(false);
      throw error;
    }
  };
  if (!inTrace()) return timedCall();
  return span(
    `${options.name}.${operation}`,
    {
      [ATTR.dependency]: options.dependency,
      [ATTR.operation]: operation,
      ...options.attributes,
      ...describeCall(),
    },
    timedCall,
    { role: 'client' },
  );
}
