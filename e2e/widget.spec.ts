/**
 * <splade-search> on a real documentation site: a dozen pages of Debian's git-doc manual, built with
 * `splade-web build` into /_splade/ (index, splade.js and splade-search.js), each page given one
 * script tag and one element, and served by a plain static server under the strict policy the issue
 * names (`default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self';
 * require-trusted-types-for 'script'`). git-doc's one inline stylesheet moves to a file and its inline
 * script goes, as a site adopting that policy does. Every page counts securitypolicyviolation events.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { build } from '../src/cli/build.ts';
import { openHarness } from './support/page.ts';
import { serveStatic, type StaticServer } from './support/static-server.ts';

const GIT_DOC = '/usr/share/doc/git-doc';
const PAGES = [
  'git-rebase.html',
  'git-stash.html',
  'git-commit.html',
  'git-branch.html',
  'git-merge.html',
  'git-cherry-pick.html',
  'git-reset.html',
  'git-tag.html',
  'git-revert.html',
  'git-bisect.html',
  'git-clean.html',
  'gittutorial.html',
];
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; require-trusted-types-for 'script'";
const SCRIPT = '<script type="module" src="/_splade/splade-search.js"></script>';
/** A fixture hub repository (test/fixtures/hub/): DistilBERT from BF16 safetensors, static query table. */
const HUB_MODEL = 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill';

const work = mkdtempSync(join(tmpdir(), 'splade-widget-e2e-'));
const root = join(work, 'site');
let server: StaticServer;

/** A git-doc page as a site under the strict policy serves it, with the widget's script and `element`. */
function sitePage(html: string, element: string, script = SCRIPT): string {
  return html
    .replace(/<style[^>]*>[\s\S]*?<\/style>/i, '<link rel="stylesheet" href="asciidoc.css" />')
    .replace(/<script[\s\S]*?<\/script>/gi, '')
    .replace('</head>', `${script}\n</head>`)
    .replace(/<body([^>]*)>/, `<body$1>\n${element}`);
}

test.beforeAll(async () => {
  test.setTimeout(900_000);
  if (!existsSync(GIT_DOC))
    throw new Error(
      `${GIT_DOC} is missing: install Debian's git-doc package (apt-get install -y git-doc; .ci/run does)`,
    );
  const docs = join(root, 'docs');
  mkdirSync(docs, { recursive: true });
  const css = /<style[^>]*>([\s\S]*?)<\/style>/i.exec(readFileSync(join(GIT_DOC, 'git-rebase.html'), 'utf8'))![1]!;
  writeFileSync(join(docs, 'asciidoc.css'), css);
  for (const name of PAGES)
    writeFileSync(
      join(docs, name),
      sitePage(readFileSync(join(GIT_DOC, name), 'utf8'), '<splade-search></splade-search>'),
    );
  // Hostile pages: the demo's XSS corpus, and a page whose metadata makes its hit link to javascript:.
  cpSync('e2e/fixtures/demo/xss.html', join(docs, 'xss.html'));
  writeFileSync(
    join(docs, 'hostile-link.html'),
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Zebra hostile link</title></head><body><main><span data-splade-meta="url:javascript:window.pwned='url'" hidden></span><h1>Zebra crossing hostile link page</h1><p>A zebra crossing page whose link is javascript: zebra zebra crossing stripes.</p></main></body></html>`,
  );
  await build({
    site: docs,
    out: join(root, '_splade'),
    baseUrl: '/docs/',
    cache: resolve('.cache/widget-e2e-vectors'),
  });
  // The package's dist/cdn/ folder (splade-search.js + splade-engine.js and its assets), for the page source.
  const built = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '-c', 'src/widget/engine.config.ts', '--outDir', join(root, 'widget')],
    { encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`the widget engine did not build: ${built.stderr}`);
  const widget = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '-c', 'src/widget/bundle.config.ts', '--outDir', join(root, 'widget')],
    { encoding: 'utf8' },
  );
  if (widget.status !== 0) throw new Error(`the widget did not build: ${widget.stderr}`);
  cpSync('public/models/splade-tiny-en-if', join(root, 'models', 'splade-tiny-en-if'), { recursive: true });
  // A hub model (safetensors, no ONNX: the page builds its graph) on a hub the site hosts itself, in
  // the hub's URL layout: <hub>/<owner>/<name>/resolve/<revision>/<path>. hub-url="/hub" points there.
  cpSync(join('test/fixtures/hub', HUB_MODEL), join(root, 'hub', HUB_MODEL, 'resolve', 'main'), { recursive: true });
  // A long page searched by its own sections (source="page"), and a page with two widgets.
  const rebase = readFileSync(join(GIT_DOC, 'git-rebase.html'), 'utf8');
  writeFileSync(
    join(docs, 'long.html'),
    sitePage(
      rebase,
      '<splade-search source="page" model="/models/splade-tiny-en-if/"></splade-search>',
      '<script type="module" src="/widget/splade-search.js"></script>',
    ),
  );
  writeFileSync(
    join(docs, 'hub-model.html'),
    sitePage(
      rebase,
      `<splade-search source="page" model="${HUB_MODEL}" hub-url="/hub"></splade-search>`,
      '<script type="module" src="/widget/splade-search.js"></script>',
    ),
  );
  writeFileSync(
    join(docs, 'two.html'),
    sitePage(
      rebase,
      '<splade-search id="modal"></splade-search><splade-search id="inline" mode="inline" shortcuts="" label="Search this manual inline" strings=\'{"placeholder":"Find…","one":"one hit","count":"{count} hits"}\'></splade-search><p><input id="field" aria-label="a field of the page"></p>',
    ),
  );
  server = await serveStatic(root, { isolated: false, headers: { 'content-security-policy': CSP } });
});

test.afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Watch {
  violations(): Promise<string[]>;
  errors: string[];
}

/** Opens `path`, recording CSP/Trusted Types violations (from the first script on) and page errors. */
async function visit(page: Page, path: string): Promise<Watch> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env['E2E_CONSOLE']) page.on('console', (m) => console.log('[page]', m.text()));
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  await page.goto(server.url + path);
  await page.waitForFunction(() => customElements.get('splade-search') !== undefined);
  return { errors, violations: () => page.evaluate(() => (window as unknown as { violations: string[] }).violations) };
}

/** The widget's parts, through its (open) shadow root. */
const input = (page: Page, host = 'splade-search') => page.locator(host).locator('input[role=combobox]');
const options = (page: Page, host = 'splade-search') => page.locator(host).locator('[role=option]');
const status = (page: Page, host = 'splade-search') => page.locator(host).locator('[role=status]');

/** What the page's focus is, through shadow roots: "host>part" names. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const names: string[] = [];
    let el: Element | null = document.activeElement;
    while (el) {
      names.push(
        el.getAttribute('part') ?? (el.id ? `${el.tagName.toLowerCase()}#${el.id}` : el.tagName.toLowerCase()),
      );
      el = el.shadowRoot?.activeElement ?? null;
    }
    return names.join('>');
  });
}

/** Every results event's query and hit URLs (rank order), in window.results. */
async function recordEvents(page: Page, host = 'splade-search'): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as unknown as { results: { query: string; urls: string[] }[] };
    w.results = [];
    const el = document.querySelector(sel)!;
    el.addEventListener('splade-search:results', (e) =>
      w.results.push({
        query: (e as CustomEvent).detail.query,
        urls: (e as CustomEvent).detail.hits.map((h: { url: string }) => h.url),
      }),
    );
  }, host);
}

test('one script tag and one element: nothing loads before it opens; Ctrl+K, type, arrows, Enter lands on the chosen section', async ({
  page,
}) => {
  const watch = await visit(page, '/docs/git-stash.html');
  // Before the widget opens: the page, its stylesheet and the element's script, nothing of the index.
  expect(server.requests.filter((p) => p.startsWith('/_splade/'))).toEqual(['/_splade/splade-search.js']);
  await expect(page.locator('splade-search').locator('button[part=button]')).toBeVisible();
  await page.keyboard.press('Control+k');
  await expect(page.locator('splade-search').locator('dialog')).toBeVisible();
  expect(await focused(page)).toBe('splade-search>input');
  await page.keyboard.type('stash away local changes');
  await expect(options(page).first()).toBeVisible();
  await expect(status(page)).toHaveText(/\d+ results?/);
  // Arrows move the active option (aria-activedescendant), with wrap-around; focus stays in the input.
  const n = await options(page).count();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  const active = await options(page).nth(0).getAttribute('id');
  await expect(input(page)).toHaveAttribute('aria-activedescendant', active!);
  await expect(options(page).nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(input(page)).toHaveAttribute(
    'aria-activedescendant',
    (await options(page)
      .nth(n - 1)
      .getAttribute('id'))!,
  );
  await page.keyboard.press('Home');
  await expect(options(page).nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(options(page).nth(n - 1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown'); // wraps to the first
  await page.keyboard.press('ArrowDown');
  expect(await focused(page)).toBe('splade-search>input');
  // Enter follows the active option: the page is the hit's page and its anchor names an element there.
  const before = page.url();
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.href !== before);
  const url = new URL(page.url());
  expect(url.pathname).toMatch(/^\/docs\/[\w-]+\.html$/);
  if (url.hash)
    expect(
      await page.evaluate((id) => document.getElementById(decodeURIComponent(id)) !== null, url.hash.slice(1)),
    ).toBe(true);
  expect(watch.errors).toEqual([]);
});

test('the chosen option decides the URL: Enter on the second result opens its URL and anchor', async ({ page }) => {
  await visit(page, '/docs/git-tag.html');
  await page.evaluate(() => {
    const el = document.querySelector('splade-search')!;
    // Kept across the navigation: the URL the select event carried.
    el.addEventListener('splade-search:select', (e) =>
      sessionStorage.setItem('chosen', (e as CustomEvent).detail.hit.url),
    );
  });
  await page.keyboard.press('Control+k');
  await page.keyboard.type('annotated tag message');
  await expect(options(page).nth(1)).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const before = page.url();
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.href !== before);
  const chosen = await page.evaluate(() => sessionStorage.getItem('chosen'));
  expect(new URL(chosen!, server.url).href).toBe(page.url());
});

test('a hit on the page the reader is on: its anchor scrolls there, no anchor scrolls to the top; neither reloads the page', async ({
  page,
}) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const at = (path: string) => import(/* @vite-ignore */ path);
    const { followHit } = await at('/src/widget/navigate.ts');
    const tall = document.createElement('div');
    tall.style.height = '5000px';
    const target = document.createElement('h2');
    target.id = 'later';
    target.textContent = 'Later';
    document.body.append(tall, target);
    (window as unknown as { marker: number }).marker = 42; // gone if the page reloads
    const here = location.href.replace(/#.*$/, '');
    let closed = 0;
    followHit({ id: 'a', url: `${here}#later`, title: 'Later' } as never, () => closed++);
    await new Promise((done) => setTimeout(done, 1500));
    const atAnchor = { y: window.scrollY, hash: location.hash };
    followHit({ id: 'b', url: here, title: 'Top' } as never, () => closed++);
    await new Promise((done) => setTimeout(done, 1500));
    return {
      atAnchor,
      atTop: { y: window.scrollY, hash: location.hash, href: location.href },
      here,
      closed,
      marker: (window as unknown as { marker?: number }).marker,
    };
  });
  expect(r.atAnchor.hash).toBe('#later');
  expect(r.atAnchor.y).toBeGreaterThan(1000);
  expect(r.atTop).toEqual({ y: 0, hash: '', href: r.here });
  expect(r.closed).toBe(2);
  expect(r.marker).toBe(42);
});

test('"/" opens, but not while typing in a field; Escape closes and returns focus; Tab stays in the dialog', async ({
  page,
}) => {
  const watch = await visit(page, '/docs/two.html');
  // From the trigger button: Enter opens, Escape returns focus to it.
  await page.locator('#modal').locator('button[part=button]').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#modal dialog')).toBeVisible();
  expect(await focused(page)).toBe('splade-search#modal>input');
  await page.keyboard.press('Escape');
  await expect(page.locator('#modal dialog')).toBeHidden();
  expect(await focused(page)).toBe('splade-search#modal>button');
  // "/" typed into the page's field is a character.
  await page.locator('#field').focus();
  await page.keyboard.type('a/b');
  await expect(page.locator('#field')).toHaveValue('a/b');
  await expect(page.locator('#modal dialog')).toBeHidden();
  // From a link of the page, "/" opens; Escape puts focus back on that link.
  await page.locator('body a[href]').first().focus();
  const link = await focused(page);
  await page.keyboard.press('/');
  await expect(page.locator('#modal dialog')).toBeVisible();
  expect(await input(page, '#modal').inputValue()).toBe('');
  for (let k = 0; k < 7; k++) {
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatch(/^splade-search#modal>/);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await focused(page)).toMatch(/^splade-search#modal>/);
  await page.keyboard.press('Escape');
  expect(await focused(page)).toBe(link);
  // Ctrl+K opens the first widget only (the inline one has shortcuts="").
  await page.keyboard.press('Control+k');
  await expect(page.locator('#modal dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('two widgets on one page work independently (modal and inline, own strings)', async ({ page }) => {
  const watch = await visit(page, '/docs/two.html');
  await expect(input(page, '#inline')).toHaveAttribute('placeholder', 'Find…');
  await expect(input(page, '#inline')).toHaveAttribute('aria-label', 'Search this manual inline');
  await input(page, '#inline').fill('cherry pick a commit');
  await expect(options(page, '#inline').first()).toBeVisible();
  await expect(status(page, '#inline')).toHaveText(/^(one hit|\d+ hits)$/);
  expect(await options(page, '#modal').count()).toBe(0);
  await page.keyboard.press('Control+k');
  await input(page, '#modal').fill('bisect a regression');
  await expect(options(page, '#modal').first()).toBeVisible();
  await expect(status(page, '#modal')).toHaveText(/\d+ results?/);
  // Ids never collide across the two shadow roots' combobox parts.
  const ids = await page.evaluate(() =>
    [...document.querySelectorAll('splade-search')].flatMap((el) =>
      [...el.shadowRoot!.querySelectorAll('[id]')].map((e) => e.id),
    ),
  );
  expect(new Set(ids).size).toBe(ids.length);
  // Focus left the inline box, so its list collapsed; what was typed there stays.
  await expect(input(page, '#inline')).toHaveValue('cherry pick a commit');
  await expect(input(page, '#inline')).toHaveAttribute('aria-expanded', 'false');
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('a slow answer for an older query never replaces the newer one', async ({ page }) => {
  await visit(page, '/docs/git-commit.html');
  await recordEvents(page);
  await page.keyboard.press('Control+k');
  await page.keyboard.type('commit');
  await expect(options(page).first()).toBeVisible();
  // Every index file the next query needs takes 2.5 s; the query after it is answered at once.
  let slow = true;
  await page.route('**/_splade/**', async (route) => {
    if (slow) await new Promise((r) => setTimeout(r, 2500));
    await route.continue();
  });
  await input(page).fill('rename a branch');
  await page.waitForTimeout(200);
  slow = false;
  await input(page).fill('reset the index to HEAD');
  await expect
    .poll(() =>
      page.evaluate(() => (window as unknown as { results: { query: string }[] }).results.map((r) => r.query).at(-1)),
    )
    .toBe('reset the index to HEAD');
  await page.waitForTimeout(3500); // past the slow answer
  const queries = await page.evaluate(() =>
    (window as unknown as { results: { query: string }[] }).results.map((r) => r.query),
  );
  expect(queries).not.toContain('rename a branch');
  expect(queries.at(-1)).toBe('reset the index to HEAD');
  // What is shown is the newer query's answer, as the runtime gives it.
  const expected = await page.evaluate(async () => {
    const pages: { sections: { url: string }[] }[] = await (
      await import('/_splade/splade.js' as string)
    ).searchPages('reset the index to HEAD', { limit: 5, sectionsPerPage: 3 });
    // The widget shows a section once, though several of its passages matched.
    return pages.flatMap((p) => [...new Set(p.sections.map((h) => h.url))]);
  });
  const shown = await page.evaluate(
    () => (window as unknown as { results: { urls: string[] }[] }).results.at(-1)!.urls,
  );
  expect(shown).toEqual(expected);
  expect(new Set(shown).size).toBe(shown.length);
  expect(await options(page).count()).toBe(expected.length);
});

test('recent searches: kept when a hit is chosen, offered when the box is empty, cleared, and off with the switch', async ({
  page,
}) => {
  // Not from git-clean.html: the top hit may be that page itself (its lead section, no anchor), and
  // choosing the page one is on scrolls to its top without leaving it; this test follows a link away.
  await visit(page, '/docs/git-branch.html');
  await page.evaluate(() => localStorage.clear());
  await page.keyboard.press('Control+k');
  await expect(page.locator('splade-search').locator('button[part=clear]')).toBeDisabled();
  await page.keyboard.type('remove untracked files');
  await expect(options(page).first()).toBeVisible();
  const before = page.url();
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.href !== before);
  await page.waitForFunction(() => customElements.get('splade-search') !== undefined);
  await page.keyboard.press('Control+k');
  await input(page).fill(''); // a hit on the same page keeps the query in the box
  await expect(page.locator('splade-search').locator('.group-label')).toHaveText(['Recent searches']);
  await expect(options(page)).toHaveText(['remove untracked files']);
  // Choosing a recent search runs it.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(input(page)).toHaveValue('remove untracked files');
  await expect(status(page)).toHaveText(/\d+ results?/);
  await input(page).fill('');
  await page.locator('splade-search').locator('button[part=clear]').click();
  await expect(options(page)).toHaveCount(0);
  expect(
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('splade-search:recent:'))),
  ).toEqual([]);
  // The switch off: nothing is kept.
  const toggle = page.locator('splade-search').locator('input[role=switch]');
  await expect(toggle).toBeChecked();
  await toggle.click();
  await expect(toggle).not.toBeChecked();
  await input(page).fill('interactive rebase');
  await expect(options(page).first()).toBeVisible();
  await input(page).press('Enter');
  await page.waitForLoadState();
  await page.waitForFunction(() => customElements.get('splade-search') !== undefined);
  await page.keyboard.press('Control+k');
  await input(page).fill('');
  await expect(options(page)).toHaveCount(0);
  expect(
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('splade-search:recent:'))),
  ).toEqual([]);
  await page.evaluate(() => localStorage.clear());
});

test('roles and states of the ARIA 1.2 combobox pattern, one by one; axe-core finds no violation closed, open, and with results', async ({
  page,
}) => {
  // Audited at rest: with reduced motion the dialog opens without its fade.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await visit(page, '/docs/git-branch.html');
  const axe = readFileSync(resolve('node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axe);
  const audit = () =>
    page.evaluate(async () => {
      const result = await (
        window as unknown as {
          axe: {
            run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }>;
          };
        }
      ).axe.run({ include: [['splade-search']] }, {});
      return result.violations.map(
        (v) =>
          `${v.id}: ${JSON.stringify(v.nodes.map((n) => [n.target, (n as { failureSummary?: string }).failureSummary]))}`,
      );
    });
  expect(await audit()).toEqual([]);
  const trigger = page.locator('splade-search').locator('button[part=button]');
  await expect(trigger).toHaveAttribute('aria-haspopup', 'dialog');
  await expect(trigger).toHaveAttribute('aria-keyshortcuts', 'Control+K /');
  await trigger.click();
  const box = input(page);
  await expect(box).toHaveAttribute('role', 'combobox');
  await expect(box).toHaveAttribute('aria-expanded', 'false');
  await expect(box).toHaveAttribute('aria-autocomplete', 'list');
  await expect(page.locator('splade-search').locator('dialog')).toHaveAttribute(
    'aria-label',
    'Search the documentation',
  );
  expect(await audit()).toEqual([]);
  await box.fill('create a new branch');
  await expect(options(page).first()).toBeVisible();
  await expect(box).toHaveAttribute('aria-expanded', 'true');
  const listbox = page.locator('splade-search').locator('[role=listbox]');
  expect(await box.getAttribute('aria-controls')).toBe(await listbox.getAttribute('id'));
  await expect(listbox).toHaveAttribute('aria-label', 'Search results');
  expect(await box.getAttribute('aria-activedescendant')).toBeNull();
  // Options: inside groups of the listbox, each with a distinct accessible name, nothing interactive inside.
  const facts = await page.evaluate(() => {
    const shadow = document.querySelector('splade-search')!.shadowRoot!;
    const opts = [...shadow.querySelectorAll('[role=option]')];
    return {
      parents: [...new Set(opts.map((o) => o.parentElement!.getAttribute('role')))],
      groupsLabelled: [...shadow.querySelectorAll('[role=group]')].every(
        (g) => shadow.getElementById(g.getAttribute('aria-labelledby')!)?.textContent,
      ),
      names: opts.map((o) => o.textContent), // name from content (no aria-label)
      labelled: opts.filter((o) => o.hasAttribute('aria-label') || o.hasAttribute('aria-labelledby')).length,
      interactive: opts.reduce(
        (n, o) => n + o.querySelectorAll('a, button, input, select, textarea, [tabindex], [contenteditable]').length,
        0,
      ),
      selected: opts.map((o) => o.getAttribute('aria-selected')),
    };
  });
  expect(facts.parents).toEqual(['group']);
  expect(facts.groupsLabelled).toBe(true);
  expect(facts.names.every((n) => n && n.length > 0)).toBe(true);
  expect(new Set(facts.names).size).toBe(facts.names.length);
  expect(facts.interactive).toBe(0);
  expect(facts.labelled).toBe(0);
  expect(new Set(facts.selected)).toEqual(new Set(['false']));
  await page.keyboard.press('ArrowDown');
  const first = options(page).first();
  await expect(first).toHaveAttribute('aria-selected', 'true');
  expect(await box.getAttribute('aria-activedescendant')).toBe(await first.getAttribute('id'));
  // The live region says how many results there are.
  await expect(status(page)).toHaveAttribute('aria-live', 'polite');
  await expect(status(page)).toHaveText(`${await options(page).count()} results`);
  // Each result says why it matched (the largest contributions).
  await expect(page.locator('splade-search').locator('[part=why]').first()).toHaveText(/^Matched: .+ \d+%/);
  expect(await audit()).toEqual([]);
  // Dark scheme: still no violation (contrast included).
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await audit()).toEqual([]);
});

test("the page source: the page's own sections, encoded in a Worker, cached in IndexedDB; a hit scrolls to its section", async ({
  page,
}) => {
  test.setTimeout(300_000);
  const watch = await visit(page, '/docs/long.html');
  expect(server.requests.filter((p) => p.startsWith('/widget/') || p.startsWith('/models/'))).toEqual([
    '/widget/splade-search.js',
  ]);
  await page.keyboard.press('Control+k');
  await page.keyboard.type('interactive mode edit the list of commits');
  await expect(status(page)).toHaveText(/\d+ results?/, { timeout: 240_000 });
  const stats = await page.evaluate(
    () =>
      (
        document.querySelector('splade-search') as unknown as {
          source: { stats?: { sections: number; encoded: number; reused: number } };
        }
      ).source.stats,
  );
  expect(stats!.sections).toBeGreaterThan(20);
  expect(stats!.encoded + stats!.reused).toBe(stats!.sections);
  // Every hit is on this page: one group, whether its heading has an id or not.
  await expect(page.locator('splade-search').locator('.group-label')).toHaveCount(1);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.locator('splade-search').locator('dialog')).toBeHidden();
  // The section's heading is marked and scrolled into view; the URL names it when it has an id.
  const target = page.locator('[data-splade-target]');
  await expect(target).toHaveCount(1);
  await expect(target).toBeInViewport();
  // A second visit encodes nothing: every section's vector comes from IndexedDB.
  await page.reload();
  await page.waitForFunction(() => customElements.get('splade-search') !== undefined);
  await page.keyboard.press('Control+k');
  await page.keyboard.type('autosquash fixup commits');
  await expect(status(page)).toHaveText(/\d+ results?/, { timeout: 120_000 });
  const again = await page.evaluate(
    () =>
      (
        document.querySelector('splade-search') as unknown as {
          source: { stats?: { sections: number; encoded: number; reused: number } };
        }
      ).source.stats,
  );
  expect(again).toEqual({ sections: stats!.sections, encoded: 0, reused: stats!.sections });
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('the page source with a hub id: model="owner/name" and hub-url load the safetensors repo, build its graph in the page and search', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const before = server.requests.length;
  const watch = await visit(page, '/docs/hub-model.html');
  await page.keyboard.press('Control+k');
  // Many words: the fixture's weights are random, so any one word may have no weight in any section.
  await page.keyboard.type('interactive rebase edit reword squash fixup drop commits branch upstream onto');
  await expect(status(page)).toHaveText(/\d+ results?/, { timeout: 240_000 });
  expect(await options(page).count()).toBeGreaterThan(0);
  // The repository came from the hub URL named, file by file as the hub lays it out: no ONNX file
  // (asked for, absent), the DistilBERT weights read instead.
  const requests = server.requests.slice(before);
  const hub = requests.filter((p) => p.startsWith('/hub/'));
  const at = `/hub/${HUB_MODEL}/resolve/main/`;
  expect(hub).toContain(`${at}modules.json`);
  expect(hub).toContain(`${at}document_0_MLMTransformer/onnx/model.onnx`);
  expect(hub).toContain(`${at}document_0_MLMTransformer/model.safetensors`);
  expect(hub).toContain(`${at}query_0_SparseStaticEmbedding/model.safetensors`);
  expect(requests.filter((p) => p.startsWith('/models/'))).toEqual([]);
  const stats = await page.evaluate(
    () =>
      (document.querySelector('splade-search') as unknown as { source: { stats?: { sections: number } } }).source.stats,
  );
  expect(stats!.sections).toBeGreaterThan(20);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-splade-target]')).toBeInViewport();
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('hostile indexed text never runs or becomes markup, a javascript: result URL is never followed; zero CSP/Trusted Types violations', async ({
  page,
}) => {
  const watch = await visit(page, '/docs/git-revert.html');
  await recordEvents(page);
  await page.keyboard.press('Control+k');
  await page.keyboard.type('rebase');
  await expect(options(page).first()).toBeVisible();
  await input(page).fill('zebra crossing hostile link');
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { results: { query: string }[] }).results.at(-1)?.query))
    .toBe('zebra crossing hostile link');
  const urls = await page.evaluate(() => (window as unknown as { results: { urls: string[] }[] }).results.at(-1)!.urls);
  const hostile = urls.findIndex((u) => u.startsWith('javascript:'));
  expect(hostile).toBeGreaterThanOrEqual(0);
  // Its option, by its place in the listbox (grouped order): click it.
  const labels = await options(page).evaluateAll((els) => els.map((e) => e.textContent));
  const k = labels.findIndex((l) => l?.startsWith('Zebra crossing hostile link page'));
  expect(k).toBeGreaterThanOrEqual(0);
  const before = page.url();
  await options(page).nth(k).click();
  await expect(status(page)).toContainText('only http and https links are followed');
  expect(page.url()).toBe(before);
  // The XSS corpus's text shows as text.
  await input(page).fill('rebase entities stay text');
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { results: { query: string }[] }).results.at(-1)?.query))
    .toBe('rebase entities stay text');
  const made = await page.evaluate(() => {
    const shadow = document.querySelector('splade-search')!.shadowRoot!;
    return ['img', 'script', 'svg', 'iframe', 'a', 'b', 'link', 'meta', 'style'].map(
      (t) => shadow.querySelectorAll(t).length + document.body.querySelectorAll(`:scope > ${t}`).length,
    );
  });
  expect(made).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  expect(await page.locator('splade-search').locator('[role=listbox]').textContent()).toMatch(
    /<img src=x onerror=|&lt;|<script>|window\.pwned/,
  );
  expect(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned)).toBeUndefined();
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('an index that cannot be reached says so, offline included, and works again once it can; no results is said too', async ({
  page,
  context,
}) => {
  await visit(page, '/docs/git-merge.html');
  await context.setOffline(true);
  try {
    await page.keyboard.press('Control+k');
    await page.keyboard.type('merge strategies');
    await expect(status(page)).toHaveText(/not available offline yet/);
    await expect(status(page)).toHaveClass(/error/);
  } finally {
    await context.setOffline(false);
  }
  await input(page).fill('merge strategy options');
  await expect(status(page)).toHaveText(/\d+ results?/);
  // A query with no term the index knows: the empty state says so (not an empty box).
  await input(page).fill('ꙮꙮꙮ');
  await expect(status(page)).toHaveText('No results for “ꙮꙮꙮ”');
  await expect(options(page)).toHaveCount(0);
  await expect(input(page)).toHaveAttribute('aria-expanded', 'false');
});

test("the idb source: a SparseIndex in IndexedDB, searched by name with its model; hits in the index's own order", async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openHarness(page); // the dev server's harness: the library as window.splade, the sources as modules
  const reference = await page.evaluate(async () => {
    const { SparseEncoder, SparseIndex } = window.splade;
    const encoder = await SparseEncoder.fromPretrained('/models/splade-tiny-en-if', { device: 'wasm', cache: false });
    await SparseIndex.delete('widget-idb');
    const index = await SparseIndex.open('widget-idb', { encoder });
    await index.add([
      {
        id: 'stash',
        text: 'git stash saves your local changes away and reverts the working directory',
        fields: { title: 'Stashing changes', url: '#stash', page: 'Guide' },
      },
      {
        id: 'rebase',
        text: 'rebase replays commits onto another base branch',
        fields: { title: 'Rebasing', url: '#rebase', page: 'Guide' },
      },
      {
        id: 'tag',
        text: 'an annotated tag marks a release with a message',
        fields: { title: 'Tagging', url: '#tag', page: 'Reference' },
      },
      {
        id: 'clean',
        text: 'git clean removes untracked files from the working tree',
        fields: { title: 'Cleaning', url: '#clean', page: 'Reference' },
      },
    ]);
    const hits = await index.search('save local changes away', { limit: 10 });
    await index.dispose();
    await encoder.dispose();
    await import('/src/widget/script.ts' as string);
    const el = document.createElement('splade-search');
    for (const [k, v] of Object.entries({
      source: 'idb',
      name: 'widget-idb',
      model: '/models/splade-tiny-en-if',
      engine: '/src/widget/engine.ts',
    }))
      el.setAttribute(k, v);
    document.body.append(el);
    return hits.map((h: { fields: { url: string } }) => h.fields.url);
  });
  await recordEvents(page);
  await page.keyboard.press('Control+k');
  await page.keyboard.type('save local changes away');
  await expect(status(page)).toHaveText(/\d+ results?/, { timeout: 180_000 });
  const shown = await page.evaluate(
    () => (window as unknown as { results: { urls: string[] }[] }).results.at(-1)!.urls,
  );
  expect(shown).toEqual(reference);
  await expect(page.locator('splade-search').locator('.group-label').first()).toHaveText(/Guide|Reference/);
  // Enter on the first result goes to its URL (an anchor of this page).
  await page.keyboard.press('Enter');
  await expect.poll(() => new URL(page.url()).hash).toBe(reference[0]);
});
