import type { Metrics } from './metrics.js';
import { ATTR, type Dependency } from './names.js';
import { inTrace, type SpanAttributes, span } from './tracing.js';

export interface InstrumentOptions<T> {
  /** What the port is to an operator: `database`, `queue` or `storage` (metric label and span attribute). */
  dependency: Dependency;
  /** Span name prefix, e.g. `metadata` gives `metadata.markDone`. */
  name: string;
  /** Attributes for every span (`db.system.name`, …). */
  attributes?: SpanAttributes;
  /** Attributes of one call, from its method name and arguments (an image id, a blob key). */
  describe?: (method: string, args: readonly unknown[]) => SpanAttributes;
  /** Methods left as they are: synchronous ones, iterators, lifecycle. */
  skip?: ReadonlyArray<keyof T & string>;
  metrics?: Metrics;
}

/**
 * Wraps every async method of a port: a client span per call (only inside a trace, so probes and scrapes make no
 * root spans) and the call's latency in `thumbsmith_dependency_duration_seconds`. One decorator serves every port;
 * the port's own behaviour and errors pass through unchanged. Methods run with `this` = the real port, so ports
 * with `#private` fields work.
 */
export function instrumentPort<T extends object>(port: T, options: InstrumentOptions<T>): T {
  const skip = new Set<string>(options.skip ?? []);
  const wrappers = new Map<string, (...args: unknown[]) => unknown>();
  return new Proxy(port, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || skip.has(property)) return value.bind(target);
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper = (...args: unknown[]) => observeCall(target, method, property, args, options);
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

function observeCall<T>(
  target: T,
  method: (...args: unknown[]) => unknown,
  operation: string,
  args: unknown[],
  options: InstrumentOptions<T>,
): unknown {
  const started = performance.now();
  const record = (ok: boolean) =>
    options.metrics?.dependencyCall(options.dependency, operation, (performance.now() - started) / 1000, ok);
  const call = async () => {
    try {
      const result = await method.apply(target, args);
      record(true);
      return result;
    } catch (error) {
      record(false);
      throw error;
    }
  };
  if (!inTrace()) return call();
  return span(
    `${options.name}.${operation}`,
    {
      [ATTR.dependency]: options.dependency,
      [ATTR.operation]: operation,
      ...options.attributes,
      ...options.describe?.(operation, args),
    },
    call,
    { role: 'client' },
  );
}
