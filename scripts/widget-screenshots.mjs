#!/usr/bin/env node
// `npm run screenshots:widget`: the <splade-search> box on a page of the git-doc example (built
// with `node examples/git-doc/build.mjs` first, which gives every page the widget), photographed
// open with results, in the light and the dark color scheme. Writes
// docs/screenshots/widget-{light,dark}.png, which the README shows.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../examples/shared/serve.mjs';

const repo = resolve(import.meta.dirname, '..');
const dist = join(repo, 'examples', 'git-doc', 'dist');
if (!existsSync(join(dist, 'search', 'splade-search.js'))) {
  console.error('splade-web: build the git-doc example first: node examples/git-doc/build.mjs');
  process.exit(1);
}
const outDir = join(repo, 'docs', 'screenshots');
const QUERY = process.env.SCREENSHOT_QUERY ?? 'undo the last commit';
const port = Number(process.env.SCREENSHOT_PORT ?? 4196);
const server = await serve(dist, port);
const executablePath = process.env.CHROMIUM_PATH ?? execSync('command -v chromium', { encoding: 'utf8' }).trim();
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  mkdirSync(outDir, { recursive: true });
  for (const scheme of ['light', 'dark']) {
    const page = await browser.newPage({
      viewport: { width: 1100, height: 760 },
      deviceScaleFactor: 1,
      colorScheme: scheme,
      reducedMotion: 'reduce',
    });
    await page.goto(`http://127.0.0.1:${port}/docs/git-reset.html`);
    await page.waitForFunction(() => customElements.get('splade-search') !== undefined);
    await page.keyboard.press('Control+k');
    await page.keyboard.type(QUERY);
    await page
      .locator('splade-search')
      .locator('[role=status]')
      .filter({ hasText: /\d+ results?/ })
      .waitFor();
    await page.keyboard.press('ArrowDown');
    await page.screenshot({ path: join(outDir, `widget-${scheme}.png`) });
    await page.close();
  }
  console.log('wrote docs/screenshots/widget-light.png, docs/screenshots/widget-dark.png');
} finally {
  await browser.close();
  server.close();
}
