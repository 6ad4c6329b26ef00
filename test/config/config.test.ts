import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { configurationTable } from '../../src/config/docs.js';
import { loadConfig } from '../../src/config/load.js';

describe('configuration', () => {
  it('defaults to the embedded setup on loopback with limits on', () => {
    const config = loadConfig({}, 2);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8000, publicUrl: undefined });
    expect(config.database).toEqual({ kind: 'sqlite', path: resolve('data/thumbsmith.db') });
    expect(config.queue).toEqual({ kind: 'sqlite' });
    expect(config.storage).toEqual({ kind: 'fs', root: resolve('data/blobs') });
    expect(config.worker.concurrency).toBe(2);
    expect(config.limits).toMatchObject({ maxUploadBytes: 52_428_800, maxInputPixels: 50_000_000, allowSvg: false });
    expect(config.presets.map((p) => [p.name, p.width, p.height, p.fit, p.format, p.enlarge])).toEqual([
      ['small', 150, 150, 'inside', 'auto', false],
      ['medium', 400, 400, 'inside', 'auto', false],
      ['large', 800, 800, 'inside', 'auto', false],
    ]);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('counts rate limits in Redis when one is known, in the process otherwise, as RATE_LIMIT_STORE says', () => {
    const redisQueue = { QUEUE_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: 'site-a' };
    expect(loadConfig({}).rateLimitStore).toEqual({ kind: 'memory' });
    expect(loadConfig(redisQueue).rateLimitStore).toEqual({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379',
      prefix: 'site-a',
    });
    expect(loadConfig({ ...redisQueue, RATE_LIMIT_STORE: 'memory' }).rateLimitStore).toEqual({ kind: 'memory' });
    expect(loadConfig({ RATE_LIMIT_REDIS_URL: 'rediss://limits:6380' }).rateLimitStore).toEqual({
      kind: 'redis',
      url: 'rediss://limits:6380',
      prefix: 'thumbsmith',
    });
    expect(() => loadConfig({ RATE_LIMIT_STORE: 'redis' })).toThrow(/RATE_LIMIT_STORE: redis needs/);
    expect(() => loadConfig({ RATE_LIMIT_STORE: 'Redis ' })).toThrow(/expected one of auto, memory, redis/);
    expect(() => loadConfig({ RATE_LIMIT_REDIS_URL: 'http://u:secret@limits' })).toThrow(
      /RATE_LIMIT_REDIS_URL: expected redis:\/\/… but received "http:\/\/u:\*\*\*@limits"/,
    );
  });

  it('reports every bad variable at once, naming each', () => {
    const attempt = () =>
      loadConfig({
        PORT: 'eighty',
        MAX_UPLOAD_BYTES: '-1',
        DATABASE_URL: 'mysql://x',
        PRESETS: 'thumb:abc',
        LOG_LEVEL: 'loud',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const text = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'MAX_UPLOAD_BYTES', 'DATABASE_URL', 'PRESETS', 'LOG_LEVEL'])
        expect(text).toContain(name);
    }
  });

  it('parses compact and JSON presets, with versions that change with the definition', () => {
    const compact = loadConfig({ PRESETS: 'square:100x100:cover:webp,wide:640x360' });
    expect(compact.presets.map((p) => [p.name, p.width, p.height, p.fit, p.format])).toEqual([
      ['square', 100, 100, 'cover', 'webp'],
      ['wide', 640, 360, 'inside', 'auto'],
    ]);
    const json = loadConfig({
      PRESETS: JSON.stringify([{ name: 'square', width: 100, height: 100, fit: 'cover', format: 'webp' }]),
    });
    expect(json.presets[0]!.version).toBe(compact.presets[0]!.version);
    const changed = loadConfig({ PRESETS: 'square:100x100:cover:jpeg' });
    expect(changed.presets[0]!.version).not.toBe(compact.presets[0]!.version);
    expect(() => loadConfig({ PRESETS: 'a:10,a:20' })).toThrow(/defined twice/);
    expect(() => loadConfig({ PRESETS: '[{"name":"x","width":10,"shape":"round"}]' })).toThrow(/unknown field "shape"/);
  });

  it('reads a config file, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'thumbsmith-config-'));
    const file = join(dir, 'thumbsmith.json');
    writeFileSync(file, JSON.stringify({ PORT: 9000, MAX_FRAMES: 7, PRESETS: [{ name: 'tiny', width: 32 }] }));
    const config = loadConfig({ CONFIG_FILE: file, MAX_FRAMES: '9' });
    expect(config.server.port).toBe(9000);
    expect(config.limits.maxFrames).toBe(9);
    expect(config.presets.map((p) => p.name)).toEqual(['tiny']);
  });

  it('chooses adapters from URLs', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:secret@db/thumbs',
      QUEUE_URL: 'redis://127.0.0.1:6379',
      STORAGE_URL: 's3://thumbs/prod',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:secret@db/thumbs' });
    expect(config.queue).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'thumbsmith' });
    expect(config.storage).toMatchObject({
      kind: 's3',
      bucket: 'thumbs',
      prefix: 'prod',
      endpoint: 'http://127.0.0.1:9000',
    });
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@db' })).toThrow(/u:\*\*\*@db/);
  });

  it('takes a Redis key prefix for the queue, checked even when the queue is embedded', () => {
    const config = loadConfig({ QUEUE_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: '{tenant-a}:thumbs' });
    expect(config.queue).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379', prefix: '{tenant-a}:thumbs' });
    expect(() => loadConfig({ QUEUE_PREFIX: 'has space' })).toThrow(/QUEUE_PREFIX: expected 1-100 characters/);
    expect(() => loadConfig({ QUEUE_URL: 'redis://r', QUEUE_PREFIX: 'x'.repeat(101) })).toThrow(/QUEUE_PREFIX/);
  });

  it('puts the queue in a PostgreSQL metadata database unless QUEUE_URL says otherwise', () => {
    const url = 'postgres://u:secret@db/thumbs';
    // API and worker processes on different hosts share the database, so they share the queue too.
    expect(loadConfig({ DATABASE_URL: url }).queue).toEqual({ kind: 'postgres', url, schema: 'thumbsmith' });
    expect(loadConfig({ DATABASE_URL: url, QUEUE_PREFIX: 'thumbs_prod' }).queue).toEqual({
      kind: 'postgres',
      url,
      schema: 'thumbs_prod',
    });
    expect(loadConfig({ DATABASE_URL: url, QUEUE_URL: 'sqlite' }).queue).toEqual({ kind: 'sqlite' });
    expect(loadConfig({ DATABASE_URL: url, QUEUE_URL: 'redis://r' }).queue).toMatchObject({ kind: 'redis' });
    expect(loadConfig({ QUEUE_URL: 'postgresql://q/jobs' }).queue).toEqual({
      kind: 'postgres',
      url: 'postgresql://q/jobs',
      schema: 'thumbsmith',
    });
    expect(loadConfig({}).queue).toEqual({ kind: 'sqlite' });
  });

  it('refuses a QUEUE_PREFIX that is no PostgreSQL schema name, and a QUEUE_URL of no known kind, by name', () => {
    for (const prefix of ['{tenant-a}:thumbs', '1abc', 'a-b', 'x'.repeat(64), '"; drop schema public; --']) {
      expect(() => loadConfig({ DATABASE_URL: 'postgres://db/t', QUEUE_PREFIX: prefix })).toThrow(
        /QUEUE_PREFIX: the PostgreSQL queue's schema/,
      );
    }
    expect(loadConfig({ DATABASE_URL: 'postgres://db/t', QUEUE_PREFIX: `_${'x'.repeat(62)}` }).queue).toMatchObject({
      kind: 'postgres',
    });
    for (const url of ['amqp://u:pw@q', 'postgres:/q', 'sqlite:/tmp/q.db', ' redis://r']) {
      expect(() => loadConfig({ QUEUE_URL: url })).toThrow(/QUEUE_URL: expected redis:\/\/…, postgres:\/\/… or sqlite/);
    }
    expect(() => loadConfig({ QUEUE_URL: 'amqp://u:pw@q' })).toThrow(/u:\*\*\*@q/);
  });

  it('derives how long a processing row may go unclaimed before the sweeper re-enqueues it', () => {
    // The longer of fetch (uploads by URL, 30 s) and render (60 s) + two leases of 30 s.
    expect(loadConfig({}).sweep).toEqual({ intervalMs: 60_000, staleMs: 60_000, processingStaleMs: 120_000 });
    const short = { SWEEP_STALE_MS: '1000', FETCH_TIMEOUT_MS: '500', JOB_TIMEOUT_MS: '3000', JOB_LEASE_MS: '1000' };
    expect(loadConfig(short).sweep.processingStaleMs).toBe(5_000);
    expect(loadConfig({ ...short, FETCH_TIMEOUT_MS: '8000' }).sweep.processingStaleMs).toBe(10_000);
    expect(loadConfig({ SWEEP_STALE_MS: '900000' }).sweep.processingStaleMs).toBe(900_000);
  });

  it('reads the upload-by-URL fetch policy: any public host by default, an allow-list when set', () => {
    expect(loadConfig({}).fetch).toEqual({
      allowedHosts: undefined,
      allowLoopback: false,
      timeoutMs: 30_000,
      maxRedirects: 3,
    });
    const listed = loadConfig({
      FETCH_ALLOWED_HOSTS: ' CDN.example.com, *.photos.example ',
      FETCH_ALLOW_LOOPBACK: 'true',
    });
    expect(listed.fetch.allowedHosts).toEqual(['cdn.example.com', '*.photos.example']);
    expect(listed.fetch.allowLoopback).toBe(true);
    expect(() => loadConfig({ FETCH_ALLOWED_HOSTS: 'https://cdn.example.com/' })).toThrow(/FETCH_ALLOWED_HOSTS/);
    expect(() => loadConfig({ FETCH_ALLOWED_HOSTS: 'a.*.example' })).toThrow(/FETCH_ALLOWED_HOSTS/);
    expect(() => loadConfig({ FETCH_ALLOWED_HOSTS: ' , ' })).toThrow(/at least one host/);
    expect(() => loadConfig({ FETCH_MAX_REDIRECTS: '11' })).toThrow(/FETCH_MAX_REDIRECTS/);
  });

  it('is documented: the README carries the generated table of every variable', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(configurationTable());
  });
});

describe('error catalogue', () => {
  it('is documented in docs/errors.md, every code with its status', async () => {
    const { ERROR_CATALOGUE, ERROR_CODES } = await import('../../src/domain/errors.js');
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
    for (const code of ERROR_CODES) expect(doc).toContain(`| \`${code}\` | ${ERROR_CATALOGUE[code].status} |`);
    const documented = [...doc.matchAll(/^\| `(TS_[A-Z_]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...ERROR_CODES].sort());
  });
});
