import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/** Debian's chromium; the browser is never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

async function newestSource(): Promise<number> {
  const roots = [join(ROOT, 'web/src'), join(ROOT, 'web/public')];
  let newest = Math.max(
    statSync(join(ROOT, 'web/index.html')).mtimeMs,
    statSync(join(ROOT, 'web/vite.config.ts')).mtimeMs,
    statSync(join(ROOT, 'src/client/plain-words.ts')).mtimeMs,
    // The page calls the API through the generated client.
    statSync(join(ROOT, 'src/sdk/index.ts')).mtimeMs,
    statSync(join(ROOT, 'src/sdk/schema.ts')).mtimeMs,
  );
  for (const root of roots) {
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Builds web/dist with Vite when it is missing or older than its sources (bounded to two minutes). */
export async function ensureWebBuild(): Promise<void> {
  const index = join(ROOT, 'web/dist/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= (await newestSource())) return;
  await new Promise<void>((resolveBuild, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vite build did not finish in 120 s\n${output}`));
    }, 120_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(index)) resolveBuild();
      else reject(new Error(`vite build failed (${code})\n${output}`));
    });
  });
}
