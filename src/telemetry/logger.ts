import pino from 'pino';

export type Logger = pino.Logger;

/** Paths that must never reach a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'config.database.url',
  'config.queue.url',
  '*.password',
  '*.secret',
  '*.secretAccessKey',
];

export function createLogger(options: { level: string; format: 'json' | 'pretty' | 'auto' }): Logger {
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  return pino({
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}
