import { describe, expect, it } from 'vitest';
import { instrumentPort, noAttributes, UNTRACED } from '../../src/telemetry/instrument-port.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

interface ExamplePort {
  fetch(key: string): Promise<string>;
  fail(): Promise<void>;
  keys(): AsyncIterable<string>;
  local?(key: string): string;
  close(): Promise<void>;
}

/** A port with a `#private` field: its methods only work with `this` = the real object. */
class ExampleAdapter implements ExamplePort {
  readonly #prefix = 'value-of-';
  closed = false;
  async fetch(key: string) {
    return this.#prefix + key;
  }
  async fail() {
    throw new Error('boom');
  }
  async *keys() {
    yield this.#prefix;
  }
  async close() {
    this.closed = true;
  }
}

describe('instrumentPort', () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const adapter = new ExampleAdapter();
  const port = instrumentPort<ExamplePort>(adapter, {
    dependency: 'storage',
    name: 'example',
    methods: { fetch: (key) => ({ key }), fail: noAttributes, keys: UNTRACED, local: UNTRACED, close: UNTRACED },
    metrics,
  });

  it('is a plain object whose methods keep the port’s results, errors and `this`', async () => {
    expect(Object.getPrototypeOf(port)).toBe(Object.prototype);
    expect(await port.fetch('a')).toBe('value-of-a');
    await expect(port.fail()).rejects.toThrow('boom');
    const keys: string[] = [];
    for await (const key of port.keys()) keys.push(key);
    expect(keys).toStrictEqual(['value-of-']);
    await port.close();
    expect(adapter.closed).toBe(true);
    // An optional method the port lacks stays absent, so callers' `port.local?.(…)` still says "not supported".
    expect('local' in port).toBe(false);
  });

  it('observes the latency of traced methods only, labelled by method and outcome', async () => {
    const text = await metrics.render();
    expect(text).toMatch(/dependency_duration_seconds_count\{dependency="storage",operation="fetch",outcome="ok"\} 1/);
    expect(text).toMatch(
      /dependency_duration_seconds_count\{dependency="storage",operation="fail",outcome="error"\} 1/,
    );
    expect(text).not.toMatch(/operation="(keys|close)"/);
  });
});
