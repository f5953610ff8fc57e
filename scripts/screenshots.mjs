#!/usr/bin/env node
// `npm run screenshots`: the built demo (as `npm run demo` serves it) in the system Chromium,
// with a few real documents indexed (the fixtures of e2e/demo.spec.ts), photographed as a user
// sees it: the library, the results of a query, and the explainer of the top hit. Writes
// docs/screenshots/{library,results,explainer}.png, which the README shows.
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { buildDemo, serveDemo } from '../demo/serve.mjs';

const repo = resolve(import.meta.dirname, '..');
const fixtures = join(repo, 'e2e', 'fixtures', 'demo');
const outDir = join(repo, 'docs', 'screenshots');
const QUERY = process.env.SCREENSHOT_QUERY ?? 'revert a merge commit';

const site = mkdtempSync(join(tmpdir(), 'splade-web-shots-'));
buildDemo(site);
const server = await serveDemo({ dir: site, port: 4195 });
const executablePath = process.env.CHROMIUM_PATH ?? execSync('command -v chromium', { encoding: 'utf8' }).trim();
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 1000 }, deviceScaleFactor: 1 });
  await page.context().route(
    (url) => !url.href.startsWith(new URL(server.url).origin),
    (route) => route.abort('internetdisconnected'),
  );
  await page.goto(server.url);
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ready', null, {
    timeout: 180_000,
  });
  await page.setInputFiles(
    '#files',
    ['guide.md', 'notes.txt', 'git-revert.html', 'small-corpus.jsonl'].map((f) => join(fixtures, f)),
  );
  await page.waitForFunction(
    () => {
      const rows = Array.from(document.querySelectorAll('#file-list li .file-count'));
      return (
        rows.length === 4 &&
        rows.every((r) => /^\d+ passages?$/.test(r.textContent ?? '')) &&
        document.querySelector('#indexing')?.hasAttribute('hidden')
      );
    },
    null,
    { timeout: 600_000, polling: 500 },
  );
  await page.waitForFunction(() => /Storage used/.test(document.querySelector('#storage')?.textContent ?? ''));
  mkdirSync(outDir, { recursive: true });
  await page.locator('#library').screenshot({ path: join(outDir, 'library.png') });
  await page.fill('#query', QUERY);
  await page.waitForSelector('#results li');
  await page.waitForSelector('#heavy-terms li');
  await page.locator('#bars .term').first().click();
  await page.locator('#search').screenshot({ path: join(outDir, 'results.png') });
  await page.locator('#explainer').screenshot({ path: join(outDir, 'explainer.png') });
  console.log(`wrote ${['library', 'results', 'explainer'].map((n) => `docs/screenshots/${n}.png`).join(', ')}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(site, { recursive: true, force: true });
}
