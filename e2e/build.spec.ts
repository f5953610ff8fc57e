/**
 * The demo's production build (`vite build`, as `npm run build:demo` makes it), served as plain
 * files, not by the dev server: it loads the bundled model, encodes and searches both cross-origin
 * isolated (onnxruntime-web's WASM threads) and not (one thread).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveStatic } from './support/static-server.ts';

const repo = resolve(import.meta.dirname, '..');
let out: string;

test.beforeAll(() => {
  test.setTimeout(180_000);
  out = mkdtempSync(join(tmpdir(), 'splade-web-demo-'));
  const started = Date.now();
  execFileSync(
    join(repo, 'node_modules', '.bin', 'vite'),
    ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  console.log(`[build] demo built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test.afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

for (const isolated of [true, false]) {
  test(`the built demo encodes and searches ${isolated ? 'cross-origin isolated (WASM threads)' : 'without isolation (one thread)'}`, async ({
    page,
  }) => {
    const server = await serveStatic(out, { isolated });
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      if (process.env['E2E_CONSOLE']) page.on('console', (m) => console.log('[page]', m.text()));
      await page.goto(`${server.url}/demo/`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(isolated);
      await expect(page.locator('#status')).toHaveText('ready', { timeout: 120_000 });
      await page.fill(
        '#docs',
        ['Use git rebase to replay commits onto another branch.', 'git stash saves local changes.'].join('\n'),
      );
      await page.click('#encode');
      await expect(page.locator('#encode-info')).toContainText('2 documents');
      await page.fill('#query', 'rebase a branch');
      await page.press('#query', 'Enter');
      await expect(page.locator('#results li').first()).toContainText('rebase');
      expect(errors).toEqual([]);
      const count = (re: RegExp) => server.requests.filter((p) => re.test(p)).length;
      // One encoder worker per model load: onnxruntime's threads load its own module, not the worker.
      expect(count(/\/assets\/worker-[^/]*\.js$/)).toBe(1);
      const module = count(/\/assets\/ort-wasm-simd-threaded\.asyncify-[^/]*\.mjs$/);
      if (isolated) expect(module).toBeGreaterThan(1);
      else expect(module).toBe(1);
    } finally {
      await server.close();
    }
  });
}
