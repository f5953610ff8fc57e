/**
 * Search as you type and "no match" (issue 20 §2) in Chromium, on real built output:
 * - <splade-search> on twenty pages of Debian's git-doc manual built by `splade-web build` (with its
 *   word list) and served statically under a strict policy: a partial last word is completed from
 *   the site's words and keeps the wanted page on top as the reader types; a made-up word shows
 *   "No match for …" and no results; a misspelling offers the nearest word, whose button reruns.
 * - The demo (built, served as `npm run demo` serves it), its files indexed into IndexedDB by the
 *   page: a made-up word is named and left out, a misspelling offers the indexed word.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { build } from '../src/cli/build.ts';
import { buildDemo, serveDemo, type DemoServer } from '../demo/serve.mjs';
import { serveStatic, type StaticServer } from './support/static-server.ts';

const GIT_DOC = '/usr/share/doc/git-doc';
/** Twenty pages, the size: the pages the queries want and their near neighbours. */
const PAGES = [
  'git-rebase.html',
  'git-cherry-pick.html',
  'git-config.html',
  'git-check-attr.html',
  'git-checkout-index.html',
  'git-commit.html',
  'git-stash.html',
  'git-branch.html',
  'git-merge.html',
  'git-reset.html',
  'git-tag.html',
  'git-revert.html',
  'git-bisect.html',
  'git-clean.html',
  'gittutorial.html',
  'git-log.html',
  'git-diff.html',
  'git-push.html',
  'git-fetch.html',
  'git-clone.html',
];
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; require-trusted-types-for 'script'";
const SCRIPT = '<script type="module" src="/_splade/splade-search.js"></script>';
const E2E_PORT = Number(process.env['E2E_PORT'] ?? 4185);

const work = mkdtempSync(join(tmpdir(), 'splade-prefix-e2e-'));
const root = join(work, 'site');
let server: StaticServer;

test.beforeAll(async () => {
  test.setTimeout(900_000);
  if (!existsSync(GIT_DOC))
    throw new Error(`${GIT_DOC} is missing: install Debian's git-doc package (apt-get install -y git-doc)`);
  const docs = join(root, 'docs');
  mkdirSync(docs, { recursive: true });
  for (const name of PAGES)
    writeFileSync(
      join(docs, name),
      readFileSync(join(GIT_DOC, name), 'utf8')
        .replace(/<style[^>]*>[\s\S]*?<\/style>/i, '')
        .replace(/<script[\s\S]*?<\/script>/gi, '')
        .replace('</head>', `${SCRIPT}\n</head>`)
        .replace(/<body([^>]*)>/, '<body$1>\n<splade-search></splade-search>'),
    );
  await build({
    site: docs,
    out: join(root, '_splade'),
    baseUrl: '/docs/',
    cache: resolve('.cache/prefix-e2e-vectors'),
  });
  server = await serveStatic(root, { isolated: false, headers: { 'content-security-policy': CSP } });
});

test.afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

const input = (page: Page) => page.locator('splade-search').locator('input[role=combobox]');
const options = (page: Page) => page.locator('splade-search').locator('[role=option]');
const noMatch = (page: Page) => page.locator('splade-search').locator('[part=no-match]');

/** Opens a page of the site with the widget open, recording every results event in window.results. */
async function openWidget(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[]; results: unknown[] };
    w.violations = [];
    w.results = [];
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(e.violatedDirective));
    document.addEventListener('splade-search:results', (e) => {
      const d = (e as CustomEvent).detail as {
        query: string;
        hits: { url: string; page?: string }[];
        unmatched: { word: string; suggestions: string[] }[];
      };
      w.results.push({ query: d.query, pages: d.hits.map((h) => h.url.replace(/#.*$/, '')), unmatched: d.unmatched });
    });
  });
  await page.goto(`${server.url}/docs/git-commit.html`);
  await page.waitForFunction(() => customElements.get('splade-search') !== undefined);
  await page.keyboard.press('Control+k');
  await expect(input(page)).toBeFocused();
  return errors;
}

interface Shown {
  query: string;
  pages: string[];
  unmatched: { word: string; suggestions: string[] }[];
}

/** The answer the widget showed for `query` (waits for its results event). */
async function answerFor(page: Page, query: string): Promise<Shown> {
  await expect
    .poll(() =>
      page.evaluate((q) => (window as unknown as { results: Shown[] }).results.some((r) => r.query === q), query),
    )
    .toBe(true);
  return page.evaluate(
    (q) => (window as unknown as { results: Shown[] }).results.filter((r) => r.query === q).at(-1)!,
    query,
  );
}

const fileOf = (url: string) => url.replace(/^.*\//, '');

test('typing: a partial last word is completed from the site’s words and the wanted page stays on top', async ({
  page,
}) => {
  const errors = await openWidget(page);
  // Prefixes as typed, each with the page a reader wants (chosen from what the pages are for).
  const typed: [string, string][] = [
    ['git rebase --interac', 'git-rebase.html'],
    ['cherry-pi', 'git-cherry-pick.html'],
    ['bisect a regre', 'git-bisect.html'],
    ['fetch from a rem', 'git-fetch.html'],
  ];
  for (const [query, wanted] of typed) {
    await input(page).fill('');
    await page.keyboard.type(query, { delay: 20 });
    const shown = await answerFor(page, query);
    expect(fileOf(shown.pages[0]!), query).toBe(wanted);
    expect(shown.unmatched, query).toEqual([]);
    // What the widget shows is the runtime's answer for the typed query (prefix on by default).
    const direct = await page.evaluate(async (q) => {
      const runtime = await import('/_splade/splade.js' as string);
      const withPrefix = await runtime.searchPagesWithWords(q, { limit: 5 });
      return {
        first: withPrefix.pages[0].url as string,
        completions: (withPrefix.words.prefix?.completions ?? []) as string[],
      };
    }, query);
    expect(fileOf(direct.first), query).toBe(wanted);
    expect(direct.completions.length, query).toBeGreaterThan(0);
  }
  await expect(noMatch(page)).toBeHidden();
  expect(errors).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
});

test('a made-up word: "No match for …", and its pieces rank nothing', async ({ page }) => {
  const errors = await openWidget(page);
  await page.keyboard.type('zyzzyva ');
  const shown = await answerFor(page, 'zyzzyva');
  expect(shown.pages).toEqual([]);
  expect(shown.unmatched).toEqual([{ word: 'zyzzyva', suggestions: [], partial: false }]);
  await expect(noMatch(page)).toHaveText('No match for “zyzzyva”.');
  await expect(options(page)).toHaveCount(0);
  // Beside a word pages hold, it changes nothing: the answer is that word's.
  await input(page).fill('');
  await page.keyboard.type('zyzzyva stash ');
  const both = await answerFor(page, 'zyzzyva stash');
  await input(page).fill('');
  await page.keyboard.type('stash ');
  const alone = await answerFor(page, 'stash');
  expect(both.pages).toEqual(alone.pages);
  expect(both.unmatched.map((u) => u.word)).toEqual(['zyzzyva']);
  // Before this issue the pieces of "zyzzyva" listed pages with confidence; the runtime without
  // matchWords still does, which is what the widget no longer shows.
  const old = await page.evaluate(async () => {
    const runtime = await import('/_splade/splade.js' as string);
    return (await runtime.searchPages('zyzzyva ', { limit: 5, matchWords: false })).length as number;
  });
  expect(old).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('a misspelling: "Did you mean rebase?", a button that reruns with the word replaced', async ({ page }) => {
  const errors = await openWidget(page);
  await page.keyboard.type('Rebsae onto main ');
  const shown = await answerFor(page, 'Rebsae onto main');
  expect(shown.unmatched[0]).toEqual({
    word: 'rebsae',
    suggestions: expect.arrayContaining(['rebase']),
    partial: false,
  });
  expect(shown.unmatched[0]!.suggestions[0]).toBe('rebase');
  await expect(noMatch(page)).toHaveText('No match for “rebsae”. Did you mean rebase?');
  const suggestion = noMatch(page).getByRole('button', { name: 'rebase' });
  await suggestion.click();
  await expect(input(page)).toHaveValue('rebase onto main ');
  await expect(input(page)).toBeFocused();
  const rerun = await answerFor(page, 'rebase onto main');
  expect(rerun.unmatched).toEqual([]);
  expect(fileOf(rerun.pages[0]!)).toBe('git-rebase.html');
  await expect(noMatch(page)).toBeHidden();
  await expect(options(page).first()).toBeVisible();
  expect(errors).toEqual([]);
});

test.describe('the demo', () => {
  let out: string;
  let demo: DemoServer;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    out = mkdtempSync(join(tmpdir(), 'splade-prefix-demo-'));
    buildDemo(out);
    demo = await serveDemo({ dir: out, port: E2E_PORT });
  });
  test.afterAll(async () => {
    await demo?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('its search box names a made-up word, offers the indexed word for a typo, and completes as it types', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.context().route(
      (url) => !url.href.startsWith(new URL(demo.url).origin),
      (route) => route.abort('internetdisconnected'),
    );
    await page.goto(demo.url);
    await expect(page.locator('#status')).toHaveText('ready', { timeout: 120_000 });
    await page.setInputFiles('#files', [join('e2e', 'fixtures', 'demo', 'guide.md'), join(GIT_DOC, 'git-revert.html')]);
    await expect
      .poll(
        async () =>
          (await page.locator('#file-list li .file-count').allTextContents()).filter((t) => /^\d+ passages?$/.test(t))
            .length,
        { timeout: 180_000 },
      )
      .toBe(2);
    await expect(page.locator('#indexing')).toBeHidden({ timeout: 60_000 });

    await page.fill('#query', 'zyzzyva ');
    await expect(page.locator('#no-match')).toHaveText('No match for “zyzzyva”.');
    await expect(page.locator('#results li')).toHaveCount(0);

    await page.fill('#query', 'resolve confilct when both sides change ');
    await expect(page.locator('#no-match')).toHaveText('No match for “confilct”. Did you mean conflict?');
    await page.locator('#no-match').getByRole('button', { name: 'conflict' }).click();
    await expect(page.locator('#query')).toHaveValue('resolve conflict when both sides change ');
    await expect(page.locator('#no-match')).toBeEmpty();
    await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('guide.md');

    // A partial last word: completed, so no word is reported while it is typed.
    await page.fill('#query', 'resolve conflict when both sides cha');
    await expect(page.locator('#search-info')).toContainText(/passages in \d+ ms/);
    await expect(page.locator('#no-match')).toBeEmpty();
    await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('guide.md');
    expect(errors).toEqual([]);
  });
});
