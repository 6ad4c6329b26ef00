import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type Config, ConfigError } from './config.js';
import { EVENTS } from './sections/events.js';
import { FETCH } from './sections/fetch.js';
import { readImages } from './sections/images.js';
import { readLifecycle, WEBHOOKS } from './sections/lifecycle.js';
import { LOG } from './sections/logging.js';
import { rateLimitStoreOf, readQueueDashboard, SECURITY } from './sections/security.js';
import { CONFIG_FILE, SERVER } from './sections/server.js';
import { readStorage, STORAGE } from './sections/storage.js';
import { readWorkers } from './sections/workers.js';
import { parseTracing } from './tracing.js';
import { type Reading, readAll, type Source, type VariableSpec } from './variable.js';
import { VARIABLES } from './variables.js';

export { redact } from './variable.js';

/**
 * Reads and validates the configuration once, reporting every bad variable in one error, and returns it frozen.
 * `env` wins over `CONFIG_FILE`, which wins over each variable's default (config/sections/).
 */
export function loadConfig(env: Source = process.env, cores: number = availableParallelism()): Config {
  const problems: string[] = [];
  const reading = readingFrom(env, problems);
  const { read } = reading;
  const storage = readStorage(reading);
  const fetch = readAll(FETCH, read);
  const security = readAll(SECURITY, read);
  const config: Config = {
    server: readAll(SERVER, read),
    ...storage,
    ...readWorkers(reading, cores, fetch.timeoutMs),
    ...readImages(reading),
    log: readAll(LOG, read),
    tracing: parseTracing(env, problems),
    lifecycle: readLifecycle(reading),
    webhooks: readAll(WEBHOOKS, read),
    events: readAll(EVENTS, read),
    fetch,
    queueDashboard: readQueueDashboard(reading, storage.queue),
    security,
    rateLimitStore: rateLimitStoreOf(reading, security, storage.queue, read(STORAGE.queuePrefix)),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/**
 * A variable's text: the environment's (unless empty), else — for a secret — the content of the file `NAME_FILE`
 * names, else the configuration file's, else its default.
 */
function readingFrom(env: Source, problems: string[]): Reading {
  const file = readConfigFile(env[CONFIG_FILE.name], problems);
  const secretFiles = new Map<string, string | undefined>();
  const given = (spec: VariableSpec): string | undefined => {
    const fromEnv = env[spec.name];
    if (spec.secret && env[`${spec.name}_FILE`]) {
      if (!secretFiles.has(spec.name)) secretFiles.set(spec.name, readSecretFile(spec.name, env, problems));
      return secretFiles.get(spec.name);
    }
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    const fromFile = file[spec.name];
    if (fromFile !== undefined) return typeof fromFile === 'string' ? fromFile : JSON.stringify(fromFile);
    return undefined;
  };
  return {
    read: (variable) => variable.parse(given(variable), variable.name, problems),
    textOf: (spec) => given(spec) ?? spec.default,
    problems,
    env,
  };
}

/** A secret's file, as Docker and Kubernetes mount them: the content without its final line break. */
function readSecretFile(name: string, env: Source, problems: string[]): string | undefined {
  const path = env[`${name}_FILE`]!;
  if (env[name]) {
    problems.push(`${name}_FILE: set either ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  try {
    const content = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    if (content === '') problems.push(`${name}_FILE: ${path} is empty`);
    return content === '' ? undefined : content;
  } catch (error) {
    problems.push(
      `${name}_FILE: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
    return undefined;
  }
}

function readConfigFile(path: string | undefined, problems: string[]): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push(`CONFIG_FILE: ${path} must hold a JSON object`);
      return {};
    }
    for (const key of Object.keys(parsed)) {
      if (!VARIABLES.some((v) => v.name === key)) problems.push(`CONFIG_FILE: unknown key "${key}" in ${path}`);
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    problems.push(`CONFIG_FILE: cannot read ${path}: ${(error as Error).message}`);
    return {};
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
