import { type Parser, type ValuesOf, variable } from '../variable.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FORMATS = ['json', 'pretty', 'auto'] as const;

const level: Parser<string, string> = (value, name, problems) => {
  if (!LEVELS.includes(value)) {
    problems.push(`${name}: expected one of ${LEVELS.join(', ')} but received ${JSON.stringify(value)}`);
  }
  return value;
};

const format: Parser<(typeof FORMATS)[number], string> = (value, name, problems) => {
  const known = FORMATS.find((candidate) => candidate === value);
  if (!known) problems.push(`${name}: expected json, pretty or auto but received ${JSON.stringify(value)}`);
  return known ?? 'auto';
};

/** Tracing is configured by the standard OTEL_* variables (config/tracing.ts), not here. */
export const LOG = {
  level: variable('LOG_LEVEL', 'info', level, 'pino level: fatal, error, warn, info, debug, trace, silent.'),
  format: variable('LOG_FORMAT', 'auto', format, '`json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise).'),
};

export type LogConfig = ValuesOf<typeof LOG>;
