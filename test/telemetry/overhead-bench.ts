// Not a test: `npx tsx test/telemetry/overhead-bench.ts` prints the cost of tracing per span and per upload.
import { createMemorySpanExporter, installTracing, span, startSpan } from '../../src/telemetry/tracing.js';
import { uploadOk, waitForFinal } from '../support/http.js';
import { makeJpeg } from '../support/images.js';
import { makeDataDir, removeDataDir, startInProcess } from './in-process.js';

async function perSpanMicros(): Promise<number> {
  const n = 20_000;
  for (let i = 0; i < 2_000; i++) await span('warm', { a: i }, async () => startSpan('child', { b: 1 }).end());
  const started = performance.now();
  for (let i = 0; i < n; i++) await span('outer', { a: i }, async () => startSpan('child', { b: 1 }).end());
  return ((performance.now() - started) * 1000) / (2 * n);
}

async function uploadsToDone(count: number): Promise<number> {
  const dataDir = await makeDataDir();
  const service = await startInProcess('all', { DATA_DIR: dataDir, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '1' });
  const image = await makeJpeg({ width: 1600, height: 1200 });
  try {
    for (let i = 0; i < 3; i++) await waitForFinal(service.url, (await uploadOk(service.url, image)).id);
    const started = performance.now();
    for (let i = 0; i < count; i++) await waitForFinal(service.url, (await uploadOk(service.url, image)).id);
    return (performance.now() - started) / count;
  } finally {
    await service.stop();
    await removeDataDir(dataDir);
  }
}

const modes = [
  ['no SDK (OTEL_SDK_DISABLED)', () => installTracing({ enabled: false, exporters: [], serviceName: 'b' })],
  ['default: ids only, not recorded', () => installTracing({ enabled: true, exporters: [], serviceName: 'b' })],
  [
    'recording (batch, in-memory exporter)',
    () => {
      const exporter = createMemorySpanExporter();
      return installTracing({ enabled: true, exporters: [], serviceName: 'b', spanExporters: [exporter] });
    },
  ],
] as const;

const rounds = Number(process.argv[2] ?? 2);
const results: Record<string, { span: number[]; upload: number[] }> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, install] of modes) {
    const tracing = await install();
    results[name] ??= { span: [], upload: [] };
    const entry = results[name];
    entry.span.push(await perSpanMicros());
    entry.upload.push(await uploadsToDone(15));
    await tracing.shutdown();
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, { span: spans, upload }] of Object.entries(results)) {
  console.log(
    `${name.padEnd(40)} span ${median(spans).toFixed(2)} µs   upload→done (1600×1200 JPEG, 3 presets) ${median(upload).toFixed(1)} ms`,
  );
}
