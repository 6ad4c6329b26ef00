import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../support/images.js';
import { createKey } from '../support/keys.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { launchChromium, SCREENSHOTS } from './browser.js';

/**
 * `/docs` runs under a strict Content-Security-Policy (the web page on the same origin keeps the API key in
 * localStorage): the interactive docs must still work in a real browser, with no policy violation, and refuse to be
 * framed.
 */
describe('the API docs page under its Content-Security-Policy (real chromium)', () => {
  let service: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    service = await startService();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    if (service) await removeDataDir(service.dataDir);
  });

  it('renders every operation with no CSP violation, and cannot be framed', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
    // Injected by the browser's automation channel, so the page's own policy does not block it.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) =>
        window.reportViolation(event.violatedDirective + ' ' + event.blockedURI));`,
    });
    const response = await page.goto(`${service.url}/docs`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
    // Expanding an operation runs swagger-ui's own scripts further.
    await page.locator('.opblock-summary').first().click();
    await page.locator('.opblock-body').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-page.png') });
    expect(violations).toEqual([]);

    // A page framing /docs gets nothing: chromium refuses the frame on frame-ancestors.
    const framer = await browser.newPage();
    const refused = framer.waitForEvent('console', {
      predicate: (message) => /frame-ancestors/.test(message.text()),
      timeout: 15_000,
    });
    await framer.setContent(`<iframe src="${service.url}/docs" width="800" height="600"></iframe>`);
    await refused;
    const framed = framer.frames().find((frame) => frame.url().startsWith(service.url));
    expect(framed ? await framed.locator('.opblock').count() : 0).toBe(0);
    await page.close();
    await framer.close();
  });

  it('carries the project’s name, not the framework’s, and Authorize + Try it out answer a real 200', async () => {
    // Once a key exists every /v1 request needs one: the page must send it.
    const key = await createKey(service.dataDir, 'docs', 'upload,read');
    const form = new FormData();
    form.append(
      'file',
      new Blob([Buffer.from(await makeJpeg({ width: 64, height: 48 }))], { type: 'image/jpeg' }),
      'a.jpg',
    );
    const uploaded = await fetch(`${service.url}/v1/images`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(uploaded.status).toBe(202);
    const { id } = (await uploaded.json()) as { id: string };

    const page = await browser.newPage();
    await page.goto(`${service.url}/docs`);
    expect(await page.title()).toBe('Thumbsmith API');
    const logo = page.locator('.topbar img');
    await logo.waitFor({ timeout: 20_000 });
    expect(await logo.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await page.locator('link[rel=icon]').getAttribute('href')).toMatch(/favicon\.svg$/);

    await page.locator('button.authorize').first().click();
    const bearer = page.locator('.modal-ux form').filter({ hasText: 'bearerAuth' });
    await bearer.locator('input').fill(key);
    await bearer.locator('button.authorize').click();
    await page.locator('.modal-ux button.btn-done').first().click();

    const operation = page.locator('#operations-images-getImage');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('tr[data-param-name="id"] input').fill(id);
    const answered = page.waitForResponse((response) => response.url().endsWith(`/v1/images/${id}`));
    await operation.locator('button.execute').click();
    expect((await answered).status()).toBe(200);
    await expect
      .poll(() => operation.locator('.live-responses-table tbody .response-col_status').first().textContent())
      .toContain('200');
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-try-it-out.png') });
    await page.close();
  });
});
