// The web page's rough edges (issue 15), each in a real Chromium against a real server: dialogs that outlive their
// view, the gallery at phone widths, Retry where it cannot help, a key indicator that says more than it knows, and the
// same file uploaded twice.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Image, ImagePage } from '../../src/sdk/index.js';
import { type LoopbackServer, startLoopbackServer } from '../fetcher/loopback-server.js';
import { makeJpeg, makePng } from '../support/images.js';
import { createKey } from '../support/keys.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { ensureWebBuild, launchChromium } from './browser.js';
import * as inPage from './in-page.js';

const DESKTOP = { width: 1280, height: 900 };
const FINAL_MS = 30_000;
const LONG_NAME = 'holiday-in-the-mountains-with-the-whole-family-2024.jpg';

const cardOf = (page: Page, name: string) =>
  page.locator('.upload-card').filter({ has: page.locator('.upload-name', { hasText: name }) });

async function cardState(page: Page, name: string, state: string): Promise<void> {
  try {
    await page.waitForFunction(inPage.cardHasState, [name, state] as const, { timeout: FINAL_MS });
  } catch (error) {
    const cards = await page.locator('.upload-card').allInnerTexts();
    throw new Error(`${name} never reached "${state}"; the cards said:\n${cards.join('\n---\n')}`, { cause: error });
  }
}

describe('the web page’s edges in a real Chromium against a real server', () => {
  let service: ServiceProcess;
  let stopped = false;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let files: string;
  /** Serves `/flaky/<name>` as a server error until `healthy`, then as a JPEG: a failure a retry can cure. */
  let origin: LoopbackServer;
  let healthy = false;

  const upload = async (name: string, bytes: Uint8Array): Promise<Image> => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), name);
    const response = await fetch(`${service.url}/v1/images`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    return (await response.json()) as Image;
  };
  const statusOf = async (id: string): Promise<number> => (await fetch(`${service.url}/v1/images/${id}`)).status;

  beforeAll(async () => {
    await ensureWebBuild();
    const jpeg = await makeJpeg({ width: 900, height: 600 });
    origin = await startLoopbackServer((req, res) => {
      if (!req.url?.startsWith('/flaky/')) res.writeHead(404).end();
      else if (healthy) res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
      else res.writeHead(500).end();
    });
    // Two quick attempts, so a link whose host keeps failing fails in a moment (TS_ATTEMPTS_EXHAUSTED).
    service = await startService({
      env: { FETCH_ALLOW_LOOPBACK: 'true', JOB_MAX_ATTEMPTS: '2', JOB_BACKOFF_MS: '20', JOB_BACKOFF_MAX_MS: '50' },
    });
    browser = await launchChromium();
    files = await mkdtemp(join(tmpdir(), 'thumbsmith-web-edges-'));
    const png = await makePng({ width: 600, height: 400 });
    await writeFile(join(files, 'cut.png'), png.subarray(0, Math.floor(png.length / 2)));
    await writeFile(join(files, 'twice.jpg'), await makeJpeg({ width: 333, height: 222 }));
    context = await browser.newContext({ viewport: DESKTOP });
    await context.addInitScript(inPage.recordAnnouncements);
    page = await context.newPage();
    page.on('filechooser', () => undefined);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await origin?.close();
    if (service && !stopped) await service.stop();
    if (service) await removeDataDir(service.dataDir);
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('closes the Delete dialog on Back and on a move to another image, deleting nothing', async () => {
    const first = await upload('first.jpg', await makeJpeg({ width: 120, height: 80 }));
    const second = await upload('second.jpg', await makeJpeg({ width: 130, height: 80 }));
    const dialog = page.getByRole('dialog', { name: 'Delete this image?' });
    await page.goto(`${service.url}/#/`);
    await page.evaluate(`location.hash = '#/images/${first.id}'`);
    await page.getByRole('heading', { level: 1, name: 'first.jpg' }).waitFor();

    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor();
    await page.goBack();
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(inPage.hashIs, '#/', { timeout: 10_000 });
    expect(await statusOf(first.id)).toBe(200);

    // Opened on the first image, then the view moves to the second: the question is gone, not re-aimed.
    await page.goForward();
    await page.getByRole('heading', { level: 1, name: 'first.jpg' }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor();
    await page.evaluate(`location.hash = '#/images/${second.id}'`);
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('heading', { level: 1, name: 'second.jpg' }).waitFor();
    expect([await statusOf(first.id), await statusOf(second.id)]).toEqual([200, 200]);

    // Confirmed on the image shown, it deletes that one only.
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction(inPage.hashIs, '#/', { timeout: 10_000 });
    expect([await statusOf(first.id), await statusOf(second.id)]).toEqual([200, 404]);
  });

  it('keeps gallery tiles readable at 320 and 390 px: names on up to two lines, the time on one, no sideways scroll', async () => {
    await upload(LONG_NAME, await makeJpeg({ width: 140, height: 80 }));
    await upload('IMG_20240612_183455_HDR_edited_final_version.jpg', await makeJpeg({ width: 150, height: 80 }));
    for (const width of [320, 390]) {
      const phone = await browser.newContext({ viewport: { width, height: 800 }, isMobile: true, hasTouch: true });
      try {
        const small = await phone.newPage();
        await small.goto(service.url);
        await small.waitForFunction(inPage.countAtLeast, ['#gallery-grid .tile', 3] as const, { timeout: FINAL_MS });
        expect(await small.evaluate(inPage.pageWidth), `${width} px`).toBeLessThanOrEqual(width);
        const tiles = await small.evaluate(inPage.tileLayout);
        for (const tile of tiles) {
          const where = `${width} px, ${tile.name}`;
          expect(tile.nameLines, where).toBeLessThanOrEqual(2);
          expect(tile.visibleChars, where).toBeGreaterThanOrEqual(Math.min(20, tile.name.length));
          expect(tile.timeLines, where).toBe(1);
          expect(tile.metaLines, where).toBeLessThanOrEqual(2);
          // Short on the tile, the exact time for whoever asks.
          expect(tile.time.length, where).toBeLessThanOrEqual(12);
          expect(Number.isNaN(Date.parse(tile.datetime)), where).toBe(false);
          expect(tile.title, where).not.toBe('');
        }
        expect(tiles.map((tile) => tile.name)).toContain(LONG_NAME);
        const ratios = await small.evaluate(inPage.contrastRatios, ['.tile-name', '.tile-meta time', '.tile .badge']);
        expect(ratios.filter(({ ratio }) => ratio < 4.5)).toEqual([]);
      } finally {
        await phone.close();
      }
    }
  });

  it('offers Retry only where it can help, and a retry that cannot be sent says why', async () => {
    await page.goto(service.url);
    await page.setInputFiles('#file-input', [join(files, 'cut.png')]);
    const field = page.getByRole('textbox', { name: 'Or upload from a link' });
    for (const name of ['later.jpg', 'offline.jpg']) {
      await field.fill(`${origin.origin}/flaky/${name}`);
      await field.press('Enter');
      await cardOf(page, name).waitFor();
    }
    await cardState(page, 'cut.png', 'failed');
    await cardState(page, 'later.jpg', 'failed');
    await cardState(page, 'offline.jpg', 'failed');

    // A corrupt image fails the same way again: no Retry, on the card or in its detail view.
    expect(await cardOf(page, 'cut.png').getByRole('button', { name: 'Retry' }).count()).toBe(0);
    const cutId = (await cardOf(page, 'cut.png').getByRole('link', { name: 'Details' }).getAttribute('href'))!;
    await page.goto(`${service.url}/${cutId}`);
    await page.getByRole('heading', { level: 1, name: 'cut.png' }).waitFor();
    expect(await page.locator('#detail-view .reason').innerText()).toContain('damaged or incomplete');
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(1);

    // A host that kept failing may answer later: Retry is offered, and once it answers the image is done.
    await page.goBack();
    await cardState(page, 'later.jpg', 'failed');
    expect(await cardOf(page, 'later.jpg').locator('.reason .code').innerText()).toBe('TS_ATTEMPTS_EXHAUSTED');
    healthy = true;
    await cardOf(page, 'later.jpg').getByRole('button', { name: 'Retry' }).click();
    await cardState(page, 'later.jpg', 'done');

    // The server gone: the Retry is not sent, and the card says so where the button was.
    await service.stop();
    stopped = true;
    await cardOf(page, 'offline.jpg').getByRole('button', { name: 'Retry' }).click();
    const said = cardOf(page, 'offline.jpg').locator('.retry-failed');
    await said.waitFor({ timeout: 10_000 });
    expect(await said.innerText()).toContain('Retry did not go through. Could not reach the server.');
    expect(await said.getAttribute('role')).toBe('alert');
  });
});

describe('the web page’s edges with API keys on', () => {
  let keyed: ServiceProcess;
  let key: string;
  let browser: Browser;
  let files: string;

  beforeAll(async () => {
    await ensureWebBuild();
    const dataDir = await mkdtemp(join(tmpdir(), 'thumbsmith-web-edges-keys-'));
    key = await createKey(dataDir, 'studio', 'upload,read');
    keyed = await startService({ dataDir });
    browser = await launchChromium();
    files = await mkdtemp(join(tmpdir(), 'thumbsmith-web-edges-keys-'));
    await writeFile(join(files, 'twice.jpg'), await makeJpeg({ width: 333, height: 222 }));
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await keyed?.stop();
    if (keyed) await removeDataDir(keyed.dataDir);
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('shows the key the server refused as refused, in the header and the dialog alike, then as accepted', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      // A key saved earlier that the server no longer takes (revoked, say): stored is not the same as accepted.
      await context.addInitScript(`localStorage.setItem('thumbsmith.apiKey', 'ts_revoked0_not-a-real-key')`);
      const page = await context.newPage();
      await page.goto(keyed.url);
      const dialog = page.getByRole('dialog', { name: 'API key' });
      await dialog.waitFor();
      await page.waitForFunction(inPage.textIncludes, ['#key-message', 'not accepted'] as const, { timeout: 10_000 });
      const button = page.locator('#key-button');
      expect(await button.textContent()).toBe('API key ✗');
      expect(await button.getAttribute('aria-label')).toBe('API key refused by the server (change or forget)');

      await page.getByRole('textbox', { name: 'Key', exact: true }).fill(key);
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'hidden' });
      await page.waitForFunction(inPage.textIs, ['#key-button', 'API key ✓'] as const, { timeout: 10_000 });

      // The header's button reopens the dialog; with the key refused again, both say so.
      await page.evaluate(`localStorage.setItem('thumbsmith.apiKey', 'ts_revoked0_not-a-real-key')`);
      await page.reload();
      await dialog.waitFor();
      expect(await page.locator('#key-message').textContent()).toContain('not accepted');
      expect(await button.textContent()).toBe('API key ✗');
    } finally {
      await context.close();
    }
  });

  it('shows the image already uploaded instead of making a twin of the same file, unless asked to', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      await context.addInitScript(`localStorage.setItem('thumbsmith.apiKey', ${JSON.stringify(key)})`);
      await context.addInitScript(inPage.recordAnnouncements);
      const page = await context.newPage();
      page.on('filechooser', () => undefined);
      const count = async () =>
        (
          (await (
            await fetch(`${keyed.url}/v1/images?limit=100`, { headers: { authorization: `Bearer ${key}` } })
          ).json()) as ImagePage
        ).items.length;
      await page.goto(keyed.url);
      await page.setInputFiles('#file-input', [join(files, 'twice.jpg')]);
      await cardState(page, 'twice.jpg', 'done');
      const firstHref = await page.locator('.upload-card').getByRole('link', { name: 'Details' }).getAttribute('href');
      const before = await count();

      await page.setInputFiles('#file-input', [join(files, 'twice.jpg')]);
      await cardState(page, 'twice.jpg', 'duplicate');
      const twin = page.locator('.upload-card[data-state="duplicate"]');
      expect(await twin.locator('.badge').innerText()).toBe('Already uploaded');
      expect(await twin.getByRole('link', { name: 'Show it' }).getAttribute('href')).toBe(firstHref);
      await page.waitForFunction(inPage.announcedIncludes, 'twice.jpg: already uploaded', { timeout: 5000 });
      expect(await count()).toBe(before);

      await twin.getByRole('button', { name: 'Upload anyway' }).click();
      await page.waitForFunction(inPage.countAtLeast, ['.upload-card[data-state="done"]', 2] as const, {
        timeout: FINAL_MS,
      });
      expect(await count()).toBe(before + 1);
    } finally {
      await context.close();
    }
  });
});
