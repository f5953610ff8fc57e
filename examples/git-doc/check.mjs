#!/usr/bin/env node
// Checks the built example in the system Chromium: the page searches under its CSP (no violation
// reported), results are DOM text, a visited result page and the search keep working offline
// after one visit (service worker + the runtime's Cache API), the page reloaded offline included.
// `node examples/git-doc/check.mjs` after build.mjs; CHROMIUM_PATH overrides /usr/bin/chromium.
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const PORT = Number(process.env.PORT ?? 8181);
const server = await serve(PORT);
const origin = `http://127.0.0.1:${PORT}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const failures = [];
const expect = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const query = async (q) => {
    await page.fill('#q', q);
    await page.waitForFunction((text) => document.querySelector('#status')?.textContent?.match(/results|No results|failed/) && document.querySelector('#q').value === text, q, { timeout: 60_000 });
    return page.$$eval('#results li', (lis) => lis.map((li) => ({ href: li.querySelector('a').getAttribute('href'), title: li.querySelector('a').textContent, marks: li.querySelectorAll('mark').length })));
  };

  await page.goto(`${origin}/`);
  let hits = await query('find the commit that introduced a bug');
  expect(hits.slice(0, 5).some((h) => /git-bisect/.test(h.href)), `"find the commit that introduced a bug": git-bisect in the top 5 (${hits.slice(0, 5).map((h) => h.href).join(', ')})`);
  expect(hits.some((h) => h.marks > 0), 'snippets carry highlights (<mark> elements)');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true), null, { timeout: 30_000 });
  await page.evaluate(() => navigator.serviceWorker.ready);
  // A reload puts the page under the worker's control, so the shell and the pages opened from it
  // are cached; then one result page is opened online.
  await page.reload();
  await page.evaluate(() => navigator.serviceWorker.ready);
  hits = await query('undo the last commit');
  expect(hits.length > 0, `"undo the last commit": ${hits.slice(0, 3).map((h) => h.href).join(', ')}`);
  const target = hits[0].href.split('#')[0];
  await page.goto(`${origin}${target}`);
  await page.goto(`${origin}/`);

  await context.setOffline(true);
  await page.reload();
  hits = await query('find the commit that introduced a bug');
  expect(hits.length > 0, `offline, page reloaded: a query searched before (${hits.length} results)`);
  hits = await query('undo the last commit');
  expect(hits.length > 0, 'offline: the second query searched before');
  // A query whose terms were never fetched needs their posting chunks: reported, not required.
  const fresh = await page.evaluate(() => window.spladeExample.search('rename a remote', { limit: 10 }).then((h) => `${h.length} results`, (e) => `failed: ${e.message}`));
  console.log(`info offline, a query never searched online: ${fresh}`);
  const response = await page.goto(`${origin}${target}`).catch((e) => e);
  expect(!(response instanceof Error) && response?.ok(), `offline: the result page opened online (${target}) opens again`);
  await page.goto(`${origin}/`);
  await context.setOffline(false);

  expect((await page.evaluate(() => window.cspViolations)).length === 0, 'no CSP violation reported');
  expect(errors.length === 0, `no page error${errors.length ? `: ${errors.join('; ')}` : ''}`);
  await context.close();
} finally {
  await browser.close();
  server.close();
}
process.exitCode = failures.length ? 1 : 0;
