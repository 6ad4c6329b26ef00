import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { configurationTable } from '../../src/config/docs.js';
import { loadConfig } from '../../src/config/load.js';
import { VARIABLES } from '../../src/config/variables.js';

/** Secrets as Docker (`secrets:`) and Kubernetes (Secret volumes) hand them over: a file, often with a final newline. */
const dir = mkdtempSync(join(tmpdir(), 'thumbsmith-secrets-'));
function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, 2);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('secrets from files (NAME_FILE)', () => {
  it('reads every secret variable from its file, without the final line break', () => {
    const config = loadConfig(
      {
        DATABASE_URL_FILE: secretFile('db', 'postgres://thumbsmith:pa%24%24@db.internal/thumbsmith\n'),
        QUEUE_URL_FILE: secretFile('queue', 'redis://:s3cret@redis.internal:6379\r\n'),
        WEBHOOK_SECRET_FILE: secretFile('webhook', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n'),
        SIGNING_KEYS_FILE: secretFile('signing', `k1:${'x'.repeat(40)}`),
        STORAGE_URL: 's3://thumbs',
        AWS_ACCESS_KEY_ID_FILE: secretFile('akid', 'AKIDEXAMPLE\n'),
        AWS_SECRET_ACCESS_KEY_FILE: secretFile('sak', 'wJalrXUtnFEMI/K7MDENG\n'),
      },
      2,
    );
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://thumbsmith:pa%24%24@db.internal/thumbsmith' });
    expect(config.queue).toMatchObject({ kind: 'redis', url: 'redis://:s3cret@redis.internal:6379' });
    expect(config.webhooks.secret).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(config.security.signingKeys).toHaveLength(1);
    expect(config.storage).toMatchObject({
      kind: 's3',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG',
    });
  });

  it('refuses a secret given twice, a missing file and an empty one, naming the variable and never the value', () => {
    const problems = problemsOf({
      WEBHOOK_SECRET: 'inline-secret-value',
      WEBHOOK_SECRET_FILE: secretFile('twice', 'file-secret-value'),
      DATABASE_URL_FILE: join(dir, 'no-such-file'),
      QUEUE_DASHBOARD_TOKEN_FILE: secretFile('empty', '\n'),
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'WEBHOOK_SECRET_FILE: set either WEBHOOK_SECRET or WEBHOOK_SECRET_FILE, not both',
        `DATABASE_URL_FILE: cannot read ${join(dir, 'no-such-file')}: ENOENT`,
        `QUEUE_DASHBOARD_TOKEN_FILE: ${join(dir, 'empty')} is empty`,
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/inline-secret-value|file-secret-value/);
  });

  it('applies to secrets only: a non-secret *_FILE changes nothing', () => {
    expect(loadConfig({ PORT_FILE: secretFile('port', '9999') }, 2).server.port).toBe(8000);
  });

  it('wants both S3 credentials or neither', () => {
    expect(problemsOf({ STORAGE_URL: 's3://thumbs', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' }).join('\n')).toMatch(
      /AWS_ACCESS_KEY_ID: set it together with AWS_SECRET_ACCESS_KEY/,
    );
    expect(loadConfig({ STORAGE_URL: 's3://thumbs' }, 2).storage).not.toHaveProperty('accessKeyId');
  });

  it('documents which variables may come from a file', () => {
    const secrets = VARIABLES.filter((variable) => variable.secret).map((variable) => variable.name);
    expect(secrets).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'QUEUE_URL', 'WEBHOOK_SECRET', 'SIGNING_KEYS', 'QUEUE_DASHBOARD_TOKEN']),
    );
    for (const name of secrets) expect(configurationTable()).toContain(`\`${name}_FILE\``);
  });
});
