import type { TracingConfig } from './config.js';

type Source = Readonly<Record<string, string | undefined>>;

const EXPORTERS = ['otlp', 'console', 'none'] as const;
type ExporterName = (typeof EXPORTERS)[number];

/**
 * Tracing from the standard OpenTelemetry variables, so an operator's usual setup works unchanged:
 * `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`; a comma list) and `OTEL_SERVICE_NAME`.
 * Unlike the SDK's own default (`otlp`), an unset `OTEL_TRACES_EXPORTER` exports only when an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: a self-hosted service must not send
 * spans to a collector nobody runs. The exporter reads its other `OTEL_EXPORTER_OTLP_*` settings itself.
 */
export function parseTracing(env: Source, problems: string[]): TracingConfig {
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || 'thumbsmith';
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase();
  if (disabled !== undefined && disabled !== '' && disabled !== 'true' && disabled !== 'false') {
    problems.push(`OTEL_SDK_DISABLED: expected true or false but received ${JSON.stringify(disabled)}`);
  }
  if (disabled === 'true') return { enabled: false, exporters: [], serviceName };

  const listed = env.OTEL_TRACES_EXPORTER?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const names: string[] = listed
    ? listed.split(',').map((name) => name.trim().toLowerCase())
    : endpoint
      ? ['otlp']
      : [];
  const exporters: Array<'otlp' | 'console'> = [];
  for (const name of names) {
    if (!EXPORTERS.includes(name as ExporterName)) {
      problems.push(
        `OTEL_TRACES_EXPORTER: expected otlp, console or none (comma-separated) but received ${JSON.stringify(name)}`,
      );
    } else if (name !== 'none' && !exporters.includes(name as 'otlp' | 'console')) {
      exporters.push(name as 'otlp' | 'console');
    }
  }
  return { enabled: true, exporters: names.includes('none') ? [] : exporters, serviceName };
}
