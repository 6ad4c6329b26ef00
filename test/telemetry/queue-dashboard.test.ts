import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { carriesToken } from '../../src/http/queue-dashboard.js';
import { deleteQueuePrefix, uniqueQueuePrefix } from '../support/queue-fixtures.js';
import { adapterEnabled, TEST_REDIS_URL } from '../support/servers.js';
import { type InProcessService, makeDataDir, removeDataDir, startInProcess } from './in-process.js';

const TOKEN = 'dashboard-secret-0123456789';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('queue dashboard configuration', () => {
  const base = { DATA_DIR: '/tmp/thumbsmith-unused' };
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
  };

  it('is off by default', () => {
    expect(loadConfig(base).queueDashboard).toEqual({ enabled: false, token: undefined });
  });

  it('needs the Redis queue and a token of 16 characters or more', () => {
    expect(problems({ QUEUE_DASHBOARD: 'true', QUEUE_DASHBOARD_TOKEN: TOKEN })).toEqual([
      'QUEUE_DASHBOARD: the queue dashboard needs the Redis queue (QUEUE_URL=redis://…)',
    ]);
    expect(problems({ QUEUE_DASHBOARD: 'true', QUEUE_URL: TEST_REDIS_URL, QUEUE_DASHBOARD_TOKEN: 'short' })).toEqual([
      'QUEUE_DASHBOARD_TOKEN: set a secret of at least 16 characters to turn the dashboard on',
    ]);
    expect(problems({ QUEUE_DASHBOARD: 'true', QUEUE_URL: TEST_REDIS_URL, QUEUE_DASHBOARD_TOKEN: TOKEN })).toEqual([]);
  });

  it('accepts the token as Bearer or as the Basic password, nothing else', () => {
    expect(carriesToken(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(carriesToken(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(carriesToken(basic('ops', TOKEN), TOKEN)).toBe(true);
    expect(carriesToken(basic('', TOKEN), TOKEN)).toBe(true);
    expect(carriesToken(undefined, TOKEN)).toBe(false);
    expect(carriesToken(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(carriesToken(`Bearer ${TOKEN.slice(1)}`, TOKEN)).toBe(false);
    expect(carriesToken(basic(TOKEN, 'wrong'), TOKEN)).toBe(false);
    expect(carriesToken(TOKEN, TOKEN)).toBe(false);
    expect(carriesToken(`Token ${TOKEN}`, TOKEN)).toBe(false);
  });
});

describe.skipIf(!adapterEnabled('bullmq'))('queue dashboard in Redis mode (bull-board at /admin/queues)', () => {
  const prefix = uniqueQueuePrefix();
  let dataDir: string;
  let withBoard: InProcessService;
  let withoutBoard: InProcessService;

  beforeAll(async () => {
    dataDir = await makeDataDir();
    const env = { DATA_DIR: dataDir, QUEUE_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix };
    withBoard = await startInProcess('api', { ...env, QUEUE_DASHBOARD: 'true', QUEUE_DASHBOARD_TOKEN: TOKEN });
    withoutBoard = await startInProcess('api', env);
  });
  afterAll(async () => {
    await withBoard?.stop();
    await withoutBoard?.stop();
    await deleteQueuePrefix(TEST_REDIS_URL, prefix);
    if (dataDir) await removeDataDir(dataDir);
  });

  it('answers 401 with a Basic challenge and a problem document without the token, on pages and API alike', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', basic('ops', 'nope')]) {
        const response = await fetch(`${withBoard.url}${path}`, {
          headers: authorization ? { authorization } : {},
        });
        expect(response.status, `${path} with ${authorization}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(((await response.json()) as { code: string }).code).toBe('TS_UNAUTHORIZED');
      }
    }
  });

  it('serves the dashboard and its queue list with the token (Bearer or Basic)', async () => {
    const page = await fetch(`${withBoard.url}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<title>[^<]*Thumbsmith queue/);
    const api = await fetch(`${withBoard.url}/admin/queues/api/queues`, {
      headers: { authorization: basic('ops', TOKEN) },
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: Array<{ name: string }> };
    expect(body.queues.map((queue) => queue.name)).toEqual(['jobs']);
  });

  it('is absent when not turned on, and never affects the other routes', async () => {
    expect((await fetch(`${withoutBoard.url}/admin/queues`)).status).toBe(404);
    expect((await fetch(`${withBoard.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${withBoard.url}/metrics`)).status).toBe(200);
  });
});
