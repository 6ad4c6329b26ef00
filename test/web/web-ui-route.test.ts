import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemPlugin } from '../../src/http/problem.js';
import { webUiRoutes } from '../../src/http/routes/web-ui.js';

describe('the web page route (src/http/routes/web-ui.ts)', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'thumbsmith-webroot-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const app = async () => {
    const instance = Fastify();
    await instance.register(problemPlugin);
    await instance.register(webUiRoutes, { root });
    return instance;
  };

  it('without a build, / says how to make one', async () => {
    const server = await app();
    const response = await server.inject({ url: '/' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).toContain('npm run build');
    await server.close();
  });

  it('serves the build (looked up per request), assets as immutable, and nothing outside it', async () => {
    const server = await app();
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(root, 'secret.txt'), 'no');

    const page = await server.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe('<!doctype html><title>t</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');

    const script = await server.inject({ url: '/assets/index-abc123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toBe('console.log(1)');

    for (const url of [
      '/assets/..%2fsecret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/.hidden',
      '/secret.txt',
      '/assets/missing.js',
    ]) {
      const response = await server.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).not.toBe('no');
    }
    await server.close();
  });
});
