// Over 400 lines on purpose: one browser session walks the page's flows in order against one server; split, each file
// would start both again.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackServer, startLoopbackServer } from '../fetcher/loopback-server.js';
import { makeJpeg, makePng } from '../support/images.js';
import { createKey } from '../support/keys.js';
import { removeDataDir, type ServiceProcess, startService } from '../support/service-process.js';
import { ensureWebBuild, launchChromium, ROOT, SCREENSHOTS } from './browser.js';
import * as inPage from './in-page.js';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const FINAL_MS = 30_000;
const AGAIN = ['light', 'dark', 'phone'] as const;

interface Capabilities {
  list: boolean;
  delete: boolean;
}

/** Which lifecycle routes the server has (an older server answers TS_ROUTE_NOT_FOUND). */
async function capabilities(url: string): Promise<Capabilities> {
  const has = async (method: string, path: string) => {
    const response = await fetch(`${url}${path}`, { method });
    const body = (await response.json().catch(() => ({}))) as { code?: string };
    return response.status !== 405 && body.code !== 'TS_ROUTE_NOT_FOUND';
  };
  const unknown = '/v1/images/img_00000000000000000000000000';
  return {
    list: await has('GET', '/v1/images?limit=1'),
    delete: await has('DELETE', unknown),
  };
}

async function cardState(page: Page, name: string, state: string): Promise<void> {
  try {
    await page.waitForFunction(inPage.cardHasState, [name, state] as const, { timeout: FINAL_MS });
  } catch (error) {
    // Say what the page showed instead, so a failure can be understood from the log alone.
    const cards = await page.locator('.upload-card').allInnerTexts();
    throw new Error(`${name} never reached "${state}"; the cards said:\n${cards.join('\n---\n')}`, { cause: error });
  }
}

const card = (page: Page, name: string) =>
  page.locator('.upload-card').filter({ has: page.locator('.upload-name', { hasText: name }) });

async function waitForImages(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(inPage.imagesLoaded, [selector, count] as const, { timeout: FINAL_MS });
}

/** A full-page screenshot from the top (a sticky header would otherwise be drawn where the page was scrolled to). */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(inPage.scrollToTop);
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

const TEXT_SELECTORS = [
  'h1',
  '.lede',
  '.dropzone-title',
  '.dropzone-hint',
  '.link-like',
  '.link-label',
  '.link-hint',
  '.badge',
  '.upload-name',
  '.upload-meta',
  '.progress-text',
  '.reason > span',
  '.reason .code',
  '.variant-caption',
  '.btn',
  '.tile-name',
  '.tile-meta time',
  '.connection',
  '.footer a',
];

describe('web page in a real Chromium against a real server', () => {
  let service: ServiceProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let files: string;
  let can: Capabilities;
  /** Image ids by file name, read from the page's own "Details" links. */
  const ids: Record<string, string> = {};
  const offsite: string[] = [];
  /** The image host the page's links point at (the server fetches from it, the page never does). */
  let origin: LoopbackServer;
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });

  beforeAll(async () => {
    await ensureWebBuild();
    await mkdir(SCREENSHOTS, { recursive: true });
    const linked = await makeJpeg({ width: 900, height: 600 });
    // `/held/…` answers only once the test has seen the card say it is fetching; anything else is a 404.
    origin = await startLoopbackServer((req, res) => {
      if (req.url === '/held/harbour%20view.jpg') {
        void held.then(() => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(linked));
      } else res.writeHead(404).end();
    });
    // One after the other: were the browser to fail to start while the service started, Promise.all would leave the
    // service running with nothing to stop it.
    service = await startService({ env: { FETCH_ALLOW_LOOPBACK: 'true' } });
    browser = await launchChromium();
    can = await capabilities(service.url);
    files = await mkdtemp(join(tmpdir(), 'thumbsmith-web-'));
    await writeFile(join(files, 'photo.jpg'), await makeJpeg({ width: 1200, height: 800 }));
    // A photo.jpg of other bytes per later pass: the page shows the same bytes dropped again as "Already uploaded".
    for (const [index, pass] of AGAIN.entries()) {
      await mkdir(join(files, pass));
      await writeFile(join(files, pass, 'photo.jpg'), await makeJpeg({ width: 1210 + index * 10, height: 800 }));
    }
    await writeFile(join(files, 'not-an-image.jpg'), 'plain text that only pretends to be a JPEG\n'.repeat(20));
    const png = await makePng({ width: 600, height: 400 });
    await writeFile(join(files, 'truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
    context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.url });
    await context.addInitScript(inPage.recordAnnouncements);
    page = await context.newPage();
    // Intercept file choosers from the start: a `waitForEvent('filechooser')` turns interception on only when it is
    // called, and a key press that reaches the page first opens the native dialog instead (no event, a 30 s wait).
    page.on('filechooser', () => undefined);
    // Nothing may leave the machine: no CDN, no fonts, no telemetry.
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(service.url) && !url.startsWith('blob:') && !url.startsWith('data:')) offsite.push(url);
    });
  }, 150_000);

  afterAll(async () => {
    releaseHeld();
    await origin?.close();
    await browser?.close();
    await service?.stop();
    if (service) await removeDataDir(service.dataDir);
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('is served at / with a strict content security policy and no outside references', async () => {
    const response = await fetch(`${service.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const file = await fetch(`${service.url}/${asset}`);
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('cache-control')).toContain('immutable');
    }
    // The built files name no other host (the SVG namespace is an identifier, not a request).
    const built = join(ROOT, 'web/dist/assets');
    for (const name of await readdir(built)) {
      const text = (await readFile(join(built, name), 'utf8')).replaceAll('http://www.w3.org/2000/svg', '');
      expect(text, name).not.toMatch(/https?:\/\/[a-z]/i);
    }
    expect((await fetch(`${service.url}/assets/..%2fpackage.json`)).status).toBe(404);
  });

  it('uploads by keyboard; a photo is done, a text file is rejected and a truncated PNG fails, each said plainly', async () => {
    await page.goto(service.url);
    await page.getByRole('heading', { level: 1, name: 'Thumbnails, made for you' }).waitFor();

    // Keyboard only: the skip link first, then the brand, then the file picker.
    await page.keyboard.press('Tab');
    expect((await page.evaluate(inPage.focused)).text).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect((await page.evaluate(inPage.focused)).id).toBe('file-input');
    // The picker is labelled, and its focus is visible on the drop zone.
    expect(
      await page
        .locator('input[type=file]')
        .and(page.getByLabel(/Drop images here/))
        .count(),
    ).toBe(1);
    expect(await page.evaluate(inPage.outlineOf, '.dropzone-label')).toBe('solid');

    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Space');
    await (await chooser).setFiles([
      join(files, 'photo.jpg'),
      join(files, 'not-an-image.jpg'),
      join(files, 'truncated.png'),
    ]);

    await cardState(page, 'not-an-image.jpg', 'rejected');
    await cardState(page, 'truncated.png', 'failed');
    await cardState(page, 'photo.jpg', 'done');

    expect(await card(page, 'not-an-image.jpg').locator('.reason').innerText()).toContain(
      'This file is not an image. This server accepts JPEG, PNG, WebP',
    );
    expect(await card(page, 'truncated.png').locator('.reason').innerText()).toContain(
      'The image is damaged or incomplete, so it cannot be read.',
    );
    expect(await card(page, 'truncated.png').locator('.badge').innerText()).toBe('Failed');
    expect(await card(page, 'photo.jpg').locator('.badge').innerText()).toBe('Done');

    // The finished card shows every thumbnail, fetched and decoded.
    await waitForImages(page, '.upload-card[data-state="done"] .variant-strip', 3);
    const thumbs = await page.evaluate(inPage.imageSizes, '.upload-card[data-state="done"] .variant-strip');
    expect(thumbs.map(({ width, height }) => [width, height])).toEqual([
      [150, 100],
      [400, 267],
      [800, 533],
    ]);
    expect(await card(page, 'photo.jpg').locator('.variant-caption').allInnerTexts()).toEqual([
      'small\n150 × 100',
      'medium\n400 × 267',
      'large\n800 × 533',
    ]);
    expect(await page.locator('#uploads-count').innerText()).toBe('3 of 3 finished');
    for (const name of ['photo.jpg', 'truncated.png']) {
      const href = await card(page, name).getByRole('link', { name: 'Details' }).getAttribute('href');
      ids[name] = href!.replace('#/images/', '');
    }
    expect(ids['photo.jpg']).toMatch(/^img_/);

    // Status changes were said through the live region.
    await page.waitForFunction(inPage.announcedIncludes, 'photo.jpg: done', { timeout: 5000 });
    const said = (await page.evaluate(inPage.announced)).join(' | ');
    expect(said).toContain('not-an-image.jpg: rejected. This file is not an image.');
    expect(said).toContain('truncated.png: failed. The image is damaged or incomplete');
    await shot(page, 'desktop-uploads.png');
  });

  it('lists recent images with status badges (or hides the gallery on a server without the list route)', async () => {
    if (!can.list) {
      expect(await page.locator('#gallery').isHidden()).toBe(true);
      expect(await page.locator('#gallery-unavailable').isVisible()).toBe(true);
      return;
    }
    await page.reload();
    await page.waitForFunction(inPage.countAtLeast, ['#gallery-grid .tile', 2] as const, { timeout: FINAL_MS });
    const tiles = (await page.evaluate(inPage.tiles)).map(({ name, badge }) => ({ name, badge }));
    // Newest first: truncated.png and photo.jpg were uploaded in one batch, the text file never became an image.
    expect(tiles).toHaveLength(2);
    expect(tiles).toEqual(
      expect.arrayContaining([
        { name: 'photo.jpg', badge: 'Done' },
        { name: 'truncated.png', badge: 'Failed' },
      ]),
    );
    await waitForImages(page, '#gallery-grid .tile[data-id] .tile-media:not(.is-placeholder)', 1);
    await shot(page, 'desktop-gallery.png');
  });

  it('pages through the gallery with "Show more" and filters it by status', async (context) => {
    if (!can.list) context.skip();
    // Enough images for two pages (24 a page), uploaded straight to the API.
    const small = await makeJpeg({ width: 64, height: 48 });
    for (let i = 0; i < 25; i++) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(small)]), `bulk-${String(i).padStart(2, '0')}.jpg`);
      expect((await fetch(`${service.url}/v1/images`, { method: 'POST', body: form })).status).toBe(202);
    }
    const total = ((await (await fetch(`${service.url}/v1/images?limit=100`)).json()) as { items: unknown[] }).items
      .length;
    await page.goto(service.url);
    await page.waitForFunction(inPage.countAtLeast, ['#gallery-grid .tile', 24] as const, { timeout: FINAL_MS });
    expect(await page.locator('#gallery-grid .tile').count()).toBe(24);
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.waitForFunction(inPage.countAtLeast, ['#gallery-grid .tile', total] as const, { timeout: FINAL_MS });
    expect(await page.locator('#gallery-grid .tile').count()).toBe(total);
    expect(await page.getByRole('button', { name: 'Show more' }).isHidden()).toBe(true);

    await page.getByLabel('Show').selectOption('failed');
    await page.waitForFunction(inPage.countAtLeast, ['#gallery-grid .tile', 1] as const, { timeout: FINAL_MS });
    await page.waitForFunction(inPage.textIs, ['#gallery-grid .tile .tile-name', 'truncated.png'] as const, {
      timeout: FINAL_MS,
    });
    expect((await page.evaluate(inPage.tiles)).map(({ name, badge }) => [name, badge])).toEqual([
      ['truncated.png', 'Failed'],
    ]);
    await page.getByLabel('Show').selectOption('');
  });

  it('opens the detail view: every preset with size, format and bytes, the original, copy link and download', async () => {
    const photoId = ids['photo.jpg']!;
    await page.goto(`${service.url}/#/images/${photoId}`);
    await page.getByRole('heading', { level: 1, name: 'photo.jpg' }).waitFor();
    expect((await page.evaluate(inPage.focused)).tag).toBe('H1');

    const facts = await page.evaluate(inPage.facts);
    expect(facts).toMatchObject({
      'File name': 'photo.jpg',
      Format: 'JPEG',
      Dimensions: '1200 × 800 px',
      'Image id': photoId,
    });
    expect(facts['SHA-256']).toMatch(/^[0-9a-f]{64}$/);

    const variants = await page.evaluate(inPage.variantFacts);
    expect(variants.map(([name]) => name)).toEqual(['small', 'medium', 'large']);
    for (const [, text] of variants) expect(text).toMatch(/^\d+ × \d+ · JPEG · [\d.]+ (bytes|KB)$/);
    expect(variants[0]![1]).toMatch(/^150 × 100 · JPEG/);
    await waitForImages(page, '.detail-preview', 1);
    await waitForImages(page, '.variant-list', 3);

    await page.getByRole('button', { name: 'Copy link to small' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(
      `${service.url}/v1/images/${photoId}/thumbnails/small`,
    );

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download medium' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('photo.medium.jpg');
    const saved = await file.path();
    const meta = await sharp(saved).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([400, 267, 'jpeg']);
    await shot(page, 'desktop-detail.png');
  });

  it('offers no Retry on an image that would fail the same way again (corrupt)', async () => {
    const failedId = ids['truncated.png']!;
    await page.goto(`${service.url}/#/images/${failedId}`);
    await page.getByRole('heading', { level: 1, name: 'truncated.png' }).waitFor();
    expect(await page.locator('.reason').innerText()).toContain('damaged or incomplete');
    await shot(page, 'desktop-detail-failed.png');
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
  });

  it('deletes an image after confirmation (Escape cancels)', async (context) => {
    if (!can.delete) context.skip();
    const photoId = ids['photo.jpg']!;
    await page.goto(`${service.url}/#/images/${photoId}`);
    await page.getByRole('heading', { level: 1, name: 'photo.jpg' }).waitFor();

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this image?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await fetch(`${service.url}/v1/images/${photoId}`)).status).toBe(200);

    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor();
    await shot(page, 'desktop-confirm-delete.png');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction(inPage.hashIs, '#/', { timeout: 10_000 });
    expect((await fetch(`${service.url}/v1/images/${photoId}`)).status).toBe(404);
    if (can.list) {
      await page.waitForFunction(inPage.absent, `#gallery-grid [data-id="${photoId}"]`, { timeout: 10_000 });
    }
  });

  it('uploads from a link: the server fetches it and the card follows it; refusals are said at the field', async () => {
    await page.goto(service.url);
    const field = page.getByRole('textbox', { name: 'Or upload from a link' });
    expect(await field.getAttribute('type')).toBe('url');

    // Accepted: a card named after the link's file (decoded), no local preview, "Fetching…" while the server fetches.
    const good = `${origin.origin}/held/harbour%20view.jpg`;
    await field.fill(good);
    await field.press('Enter');
    const fetching = card(page, 'harbour view.jpg');
    await fetching.getByText('Fetching…').waitFor({ timeout: FINAL_MS });
    expect(await fetching.locator('.upload-meta').innerText()).toBe(`From ${new URL(origin.origin).host}`);
    expect(await fetching.locator('.upload-preview img').count()).toBe(0);
    // The field is emptied for the next link and keeps the focus.
    expect(await field.inputValue()).toBe('');
    expect((await page.evaluate(inPage.focused)).id).toBe('link-input');

    // Accepted at once, failed by the fetch: the image host answers 404.
    await field.fill(`${origin.origin}/missing.jpg`);
    await page.getByRole('button', { name: 'Fetch' }).click();
    await cardState(page, 'missing.jpg', 'failed');
    const missing = card(page, 'missing.jpg');
    expect(await missing.locator('.reason > span').innerText()).toContain(
      'The site at that link answered that the file is not there or may not be fetched.',
    );
    expect(await missing.locator('.reason .code').innerText()).toBe('TS_FETCH_UPSTREAM_CLIENT_ERROR');

    releaseHeld();
    await cardState(page, 'harbour view.jpg', 'done');
    await waitForImages(page, '.upload-card[data-state="done"] .variant-strip', 3);
    expect(await card(page, 'harbour view.jpg').locator('.variant-caption').allInnerTexts()).toEqual([
      'small\n150 × 100',
      'medium\n400 × 267',
      'large\n800 × 533',
    ]);
    // Once there are thumbnails, the card shows one where a file shows its local preview.
    await waitForImages(page, '.upload-card[data-state="done"] .upload-preview', 1);
    expect(await card(page, 'harbour view.jpg').locator('.upload-meta').innerText()).toMatch(
      /^From 127\.0\.0\.1:\d+ · [\d.]+ KB · JPEG 900 × 600$/,
    );
    await page.waitForFunction(inPage.announcedIncludes, 'harbour view.jpg: done', { timeout: 5000 });
    expect((await page.evaluate(inPage.announced)).join(' | ')).toContain(
      'missing.jpg: failed. The site at that link answered',
    );

    // Refused at once: said next to the field, which keeps the text to be corrected; no card is made.
    const refusals = [
      ['photo.jpg', 'Enter the full link to an image, starting with https://.', null],
      ['ftp://x/y.jpg', 'Only http:// and https:// links', 'TS_FETCH_FORBIDDEN_URL'],
      ['http://10.1.2.3/a.jpg', 'That link points to a private or local network', 'TS_FETCH_BLOCKED_ADDRESS'],
      ['https://user:pw@example.com/a.jpg', 'Only http:// and https:// links', 'TS_FETCH_FORBIDDEN_URL'],
    ] as const;
    for (const [link, words, code] of refusals) {
      await field.fill(link);
      expect(await field.getAttribute('aria-invalid')).toBeNull();
      await field.press('Enter');
      await page.waitForFunction(inPage.textIncludes, ['#link-message', words] as const, { timeout: 10_000 });
      expect(await page.locator('#link-message .code').allInnerTexts()).toEqual(code ? [code] : []);
      expect(await field.inputValue()).toBe(link);
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect((await page.evaluate(inPage.focused)).id).toBe('link-input');
    }
    await page.waitForFunction(inPage.announcedIncludes, 'Link not accepted. Only http:// and https://', {
      timeout: 5000,
    });
    expect(await page.locator('.upload-card').count()).toBe(2);
    expect(await page.locator('#uploads-count').innerText()).toBe('2 of 2 finished');
    await shot(page, 'desktop-link.png');

    // The detail view names the fetched file and where it came from.
    await card(page, 'harbour view.jpg').getByRole('link', { name: 'Details' }).click();
    await page.getByRole('heading', { level: 1, name: 'harbour view.jpg' }).waitFor();
    expect((await page.evaluate(inPage.facts))['Fetched from']).toBe(good);
  });

  it('has sufficient contrast in light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(service.url);
      await page.setInputFiles('#file-input', [join(files, scheme, 'photo.jpg'), join(files, 'not-an-image.jpg')]);
      // A refused link, so its message next to the field is measured too.
      await page.locator('#link-input').fill('ftp://x/y.jpg');
      await page.locator('#link-input').press('Enter');
      await page.locator('#link-message .reason').waitFor();
      await cardState(page, 'photo.jpg', 'done');
      await cardState(page, 'not-an-image.jpg', 'rejected');
      const ratios = await page.evaluate(inPage.contrastRatios, TEXT_SELECTORS);
      expect(ratios.length).toBeGreaterThan(10);
      const low = ratios.filter(({ ratio }) => ratio < 4.5);
      expect(low, `${scheme}: ${JSON.stringify(low)}`).toEqual([]);
      if (scheme === 'dark') await shot(page, 'desktop-dark.png');
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('fits a phone-width screen', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    try {
      const small = await phone.newPage();
      await small.goto(service.url);
      await small.setInputFiles('#file-input', [join(files, 'phone', 'photo.jpg'), join(files, 'not-an-image.jpg')]);
      await cardState(small, 'photo.jpg', 'done');
      await cardState(small, 'not-an-image.jpg', 'rejected');
      await waitForImages(small, '.upload-card[data-state="done"] .variant-strip', 3);
      expect(await small.evaluate(inPage.pageWidth)).toBeLessThanOrEqual(PHONE.width);
      await shot(small, 'phone-home.png');
      await small.locator('.upload-card[data-state="done"]').getByRole('link', { name: 'Details' }).click();
      await small.getByRole('heading', { level: 1, name: 'photo.jpg' }).waitFor();
      await waitForImages(small, '.variant-list', 3);
      expect(await small.evaluate(inPage.pageWidth)).toBeLessThanOrEqual(PHONE.width);
      await shot(small, 'phone-detail.png');
    } finally {
      await phone.close();
    }
  });

  it('asked nothing of any other host', () => {
    expect(offsite).toEqual([]);
  });

  describe('with API keys on (a key made by `thumbsmith keys create`)', () => {
    let keyed: ServiceProcess;
    let key: string;

    beforeAll(async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'thumbsmith-web-keys-'));
      key = await createKey(dataDir, 'studio', 'upload,read');
      keyed = await startService({ dataDir });
    }, 60_000);

    afterAll(async () => {
      await keyed?.stop();
      if (keyed) await removeDataDir(keyed.dataDir);
    });

    it('asks for the key once, remembers it, and shows thumbnails fetched with it', async () => {
      const keyedContext = await browser.newContext({ viewport: DESKTOP });
      // Every API request the page makes, with the Authorization it carried.
      const sent: Array<{ method: string; path: string; authorization: string | undefined }> = [];
      keyedContext.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/v1/')) {
          sent.push({ method: request.method(), path: url.pathname, authorization: request.headers().authorization });
        }
      });
      try {
        const page = await keyedContext.newPage();
        await page.goto(keyed.url);
        const dialog = page.getByRole('dialog', { name: 'API key' });
        await dialog.waitFor();
        await page.getByRole('textbox', { name: 'Key', exact: true }).fill('ts_wrong000_not-a-real-key');
        await shot(page, 'desktop-key-dialog.png');
        await page.keyboard.press('Enter');
        // The server's real 401 makes the page ask again, saying so.
        await page.waitForFunction(inPage.textIncludes, ['#key-message', 'not accepted'] as const, { timeout: 10_000 });
        await page.getByRole('textbox', { name: 'Key', exact: true }).fill(key);
        await page.keyboard.press('Enter');
        await dialog.waitFor({ state: 'hidden' });
        expect(await page.evaluate(`localStorage.getItem('thumbsmith.apiKey')`)).toBe(key);
        const accepted = sent.length;

        await page.setInputFiles('#file-input', [join(files, 'photo.jpg')]);
        await cardState(page, 'photo.jpg', 'done');
        await waitForImages(page, '.upload-card[data-state="done"] .variant-strip', 3);
        const images = await page.evaluate(inPage.imageSizes, '.upload-card[data-state="done"] .variant-strip');
        expect(images.every((image) => image.blob && image.width > 0)).toBe(true);

        // Reloaded, the page uses the stored key without asking.
        await page.reload();
        await page.getByRole('heading', { level: 1, name: 'Thumbnails, made for you' }).waitFor();
        await page.waitForFunction(inPage.attributeIsNot, ['#connection', 'data-mode', 'connecting'] as const, {
          timeout: 10_000,
        });
        expect(await dialog.isVisible()).toBe(false);
        const afterKey = sent.slice(accepted);
        expect(afterKey.filter((request) => request.authorization !== `Bearer ${key}`)).toEqual([]);
        expect(afterKey.some((request) => request.method === 'POST' && request.path === '/v1/images')).toBe(true);

        // The image is the key's tenant's: listed with the key, refused without one.
        const list = await fetch(`${keyed.url}/v1/images`, { headers: { authorization: `Bearer ${key}` } });
        expect(
          ((await list.json()) as { items: Array<{ original: { filename: string } | null }> }).items,
        ).toMatchObject([{ original: { filename: 'photo.jpg' } }]);
        expect((await fetch(`${keyed.url}/v1/images`)).status).toBe(401);
      } finally {
        await keyedContext.close();
      }
    });
  });
});
