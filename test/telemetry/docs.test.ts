import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { METRICS } from '../../src/telemetry/names.js';
import { Scrape } from '../support/prometheus-text.js';

const ROOT = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
const dashboard = JSON.parse(readFileSync(resolve(ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as {
  panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
};

/** Every family a process can expose: ours (with worker gauges) plus prom-client's defaults. */
async function exposedFamilies(): Promise<Set<string>> {
  const metrics = createMetrics({ role: 'all' });
  metrics.trackWorkers({ active: () => 0, concurrency: 1, lastHeartbeat: () => new Date() });
  metrics.trackQueue(async () => ({ waiting: 0, active: 0, delayed: 0, dead: 0, oldestWaitingAgeMs: 0 }));
  return new Set(Scrape.parse(await metrics.render()).families.keys());
}

describe('observability docs stay true to the code', () => {
  it('documents every Thumbsmith metric in the README', () => {
    for (const name of Object.values(METRICS)) expect(readme, name).toContain(`\`${name}\``);
  });

  it('builds every dashboard query on metrics that exist', async () => {
    const families = await exposedFamilies();
    for (const name of Object.values(METRICS)) expect(families.has(name), name).toBe(true);
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(queries.length).toBeGreaterThan(20);
    const used = new Set(queries.flatMap((query) => query.match(/\b(thumbsmith|process|nodejs)_[a-z0-9_]+/g) ?? []));
    expect([...used].filter((name) => /^(process|nodejs)_/.test(name)).length).toBeGreaterThan(0);
    for (const name of used) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      expect(families.has(family) || families.has(name), name).toBe(true);
    }
    // The four questions each have a row.
    const rows = dashboard.panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    expect(rows).toEqual(expect.arrayContaining(['Is it up?', 'Is it keeping up?', 'How slow?', 'What fails?']));
  });

  it('lists the standard OTEL_* variables it honours', () => {
    for (const name of [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'OTEL_TRACES_EXPORTER',
      'OTEL_SERVICE_NAME',
      'OTEL_TRACES_SAMPLER',
      'OTEL_SDK_DISABLED',
    ]) {
      expect(readme, name).toContain(`\`${name}\``);
    }
  });
});
