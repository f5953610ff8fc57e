// Checks a built example in the system Chromium: the page searches under its CSP (no violation
// reported), results are DOM text, a visited result page and the search keep working offline
// after one visit (service worker + the runtime's Cache API), the page reloaded offline included.
// Each example's check.mjs calls checkExample with its dist/ and its queries; CHROMIUM_PATH
// overrides /usr/bin/chromium, PORT the port (8181).
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

/**
 * @param {object} o
 * @param {string} o.root    the example's dist/
 * @param {{ query: string, expect?: (hits: { href: string }[]) => boolean, what?: string }} o.first
 *   searched first; `expect` judges its hits (a relevance check), `what` says what it checks
 * @param {string} o.second  another query (its first hit's page is opened, then reopened offline)
 * @param {string} o.fresh   a query never searched online, tried offline (reported, not required)
 * @returns {Promise<string[]>} the failed checks
 */
export async function checkExample(o) {
  const PORT = Number(process.env.PORT ?? 8181);
  const server = await serve(o.root, PORT);
  const origin = `http://127.0.0.1:${PORT}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
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
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const query = async (q) => {
      await page.fill('#q', q);
      // The first query of a symmetric model's site loads the model and onnxruntime-web too.
      await page.waitForFunction(
        (text) =>
          /^(done|failed)$/.test(document.querySelector('#status')?.dataset.state ?? '') &&
          document.querySelector('#q').value === text,
        q,
        { timeout: 120_000 },
      );
      return page.$$eval('#results li', (lis) =>
        lis.map((li) => ({
          href: li.querySelector('a').getAttribute('href'),
          title: li.querySelector('a').textContent,
          marks: li.querySelectorAll('mark').length,
        })),
      );
    };

    await page.goto(`${origin}/`);
    let hits = await query(o.first.query);
    expect(
      hits.length > 0 && (o.first.expect?.(hits) ?? true),
      `"${o.first.query}": ${o.first.what ?? 'results'} (${hits
        .slice(0, 5)
        .map((h) => h.href)
        .join(', ')})`,
    );
    expect(
      hits.some((h) => h.marks > 0),
      'snippets carry highlights (<mark> elements)',
    );
    await page.waitForFunction(
      () => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true),
      null,
      { timeout: 30_000 },
    );
    await page.evaluate(() => navigator.serviceWorker.ready);
    // A reload puts the page under the worker's control, so the shell and the pages opened from it
    // are cached; then one result page is opened online.
    await page.reload();
    await page.evaluate(() => navigator.serviceWorker.ready);
    hits = await query(o.second);
    expect(
      hits.length > 0,
      `"${o.second}": ${hits
        .slice(0, 3)
        .map((h) => h.href)
        .join(', ')}`,
    );
    const target = hits[0].href.split('#')[0];
    await page.goto(`${origin}${target}`);
    await page.goto(`${origin}/`);

    await context.setOffline(true);
    await page.reload();
    hits = await query(o.first.query);
    expect(hits.length > 0, `offline, page reloaded: a query searched before (${hits.length} results)`);
    hits = await query(o.second);
    expect(hits.length > 0, 'offline: the second query searched before');
    // A query whose terms were never fetched needs their posting chunks: reported, not required.
    const fresh = await page.evaluate(
      (q) =>
        window.spladeExample.search(q, { limit: 10 }).then(
          (h) => `${h.length} results`,
          (e) => `failed: ${e.message}`,
        ),
      o.fresh,
    );
    console.log(`info offline, a query never searched online: ${fresh}`);
    const response = await page.goto(`${origin}${target}`).catch((e) => e);
    expect(
      !(response instanceof Error) && response?.ok(),
      `offline: the result page opened online (${target}) opens again`,
    );
    await page.goto(`${origin}/`);
    await context.setOffline(false);

    expect((await page.evaluate(() => window.cspViolations)).length === 0, 'no CSP violation reported');
    expect(errors.length === 0, `no page error${errors.length ? `: ${errors.join('; ')}` : ''}`);

    // The search box every documentation page carries: Ctrl+K, the query, Enter lands on a section.
    await page.goto(`${origin}${target}`);
    await page.waitForFunction(() => customElements.get('splade-search') !== undefined);
    await page.keyboard.press('Control+k');
    await page.keyboard.type(o.second);
    const status = page.locator('splade-search').locator('[role=status]');
    await page
      .waitForFunction(
        () =>
          /\d/.test(
            document.querySelector('splade-search')?.shadowRoot?.querySelector('[role=status]')?.textContent ?? '',
          ) && document.querySelector('splade-search').shadowRoot.querySelectorAll('[role=option]').length > 0,
        null,
        { timeout: 120_000 },
      )
      .catch(() => {});
    const options = await page.locator('splade-search').locator('[role=option]').count();
    expect(
      options > 0,
      `the pages' <splade-search> box: "${o.second}" gives ${options} results (${await status.textContent()})`,
    );
    if (options > 0) {
      const before = page.url();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.href !== before, { timeout: 10_000 }).catch(() => {});
      expect(page.url() !== before, `Enter on the first result opens it (${page.url().slice(origin.length)})`);
    }
    await context.close();
  } finally {
    await browser.close();
    server.close();
  }
  return failures;
}
