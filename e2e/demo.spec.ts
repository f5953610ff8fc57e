/**
 * The demo as a person uses it, on the BUILT demo (vite build) served by demo/serve.mjs with its
 * CSP and cross-origin isolation, on a port of its own: files of each format through the file
 * input and by drop, indexing progress, cancel, reload, search as you type, the explainer checked
 * against the tokenizer, offline reload, a hostile corpus, CSP violations and keyboard-only use.
 * No network: anything not on the demo's own server is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page, type Route } from '@playwright/test';
import { splitJsonl } from '../demo/passages.ts';
import { buildDemo, serveDemo, type DemoServer } from '../demo/serve.mjs';

const repo = resolve(import.meta.dirname, '..');
const fixtures = join(repo, 'e2e', 'fixtures', 'demo');
let out: string;
let server: DemoServer;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  out = mkdtempSync(join(tmpdir(), 'splade-web-demo-ui-'));
  buildDemo(out);
  server = await serveDemo({ dir: out, port: 4180 });
});

test.afterAll(async () => {
  await server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

interface Watch {
  errors: string[];
  violations: () => Promise<string[]>;
}

/** Opens the demo with the network cut off outside its server, watching errors and CSP; waits for the model. */
async function open(page: Page): Promise<Watch> {
  const watch = await visit(page);
  await ready(page);
  return watch;
}

/** Opens the demo as open() does, without waiting for the model: the page as the user first sees it. */
async function visit(page: Page): Promise<Watch> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env['E2E_CONSOLE']) page.on('console', (m) => console.log('[page]', m.text()));
  await page.context().route(
    (url) => !url.href.startsWith(new URL(server.url).origin),
    (route) => route.abort('internetdisconnected'),
  );
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  await page.goto(server.url);
  return {
    errors,
    violations: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
  };
}

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 120_000 });
}

async function addByInput(page: Page, names: string[]): Promise<void> {
  await page.setInputFiles(
    '#files',
    names.map((n) => join(fixtures, n)),
  );
}

/** A drop of files onto the page, as the browser delivers one (a DataTransfer of File objects). */
async function addByDrop(page: Page, names: (string | { name: string; text: string })[]): Promise<void> {
  const files = names.map((n) =>
    typeof n === 'string' ? { name: n, text: readFileSync(join(fixtures, n), 'utf8') } : n,
  );
  await page.evaluate((list) => {
    const data = new DataTransfer();
    for (const f of list) data.items.add(new File([f.text], f.name, { type: 'text/plain' }));
    document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: data, bubbles: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, files);
}

async function indexed(page: Page, count: number): Promise<void> {
  await expect(page.locator('#indexing')).toBeHidden({ timeout: 120_000 });
  await expect(page.locator('#library-summary')).toContainText(`${count} passages indexed`, { timeout: 60_000 });
}

/** Every <mark> of the explained passage and of its snippet, against the tokenizer's own offsets. */
async function checkHighlights(page: Page): Promise<{ bad: string[]; marks: number }> {
  await page.waitForFunction(
    () =>
      document.querySelectorAll('#doc-text mark.occurrence').length > 0 ||
      document.querySelectorAll('#doc-text mark').length > 0,
  );
  return page.evaluate(async () => {
    const demo = (
      window as unknown as {
        spladeDemo: { app: { encoder: { tokens(t: string): Promise<{ ids: number[]; offsets: Uint32Array }> } } };
      }
    ).spladeDemo;
    const out: { bad: string[]; marks: number } = { bad: [], marks: 0 };
    const hit = document.querySelector<HTMLElement>('#results li.selected')!;
    const text = document.querySelector('#doc-text')!.textContent!;
    const tokens = await demo.app.encoder.tokens(text);
    const spans = new Set<string>();
    for (let k = 0; k < tokens.ids.length; k++) spans.add(`${tokens.offsets[2 * k]}:${tokens.offsets[2 * k + 1]}`);
    for (const m of Array.from(document.querySelectorAll<HTMLElement>('#doc-text mark'))) {
      out.marks++;
      const key = `${m.dataset['start']}:${m.dataset['end']}`;
      if (!spans.has(key) || text.slice(Number(m.dataset['start']), Number(m.dataset['end'])) !== m.textContent)
        out.bad.push(`doc ${key} ${m.textContent}`);
    }
    for (const m of Array.from(hit.querySelectorAll<HTMLElement>('.snippet mark'))) {
      out.marks++;
      const at = Number(m.dataset['offset']);
      const key = `${at + Number(m.dataset['start'])}:${at + Number(m.dataset['end'])}`;
      if (
        !spans.has(key) ||
        text.slice(at + Number(m.dataset['start']), at + Number(m.dataset['end'])) !== m.textContent
      )
        out.bad.push(`snippet ${key} ${m.textContent}`);
    }
    return out;
  });
}

/** Waits until the library lists `files` files, every one fully indexed with the current model. */
async function allIndexed(page: Page, files: number): Promise<void> {
  await expect
    .poll(
      async () => {
        const states = Object.values(await library(page));
        return (
          states.length === files &&
          states.every((s) => /^\d+ passages?$/.test(s)) &&
          (await page.locator('#indexing').isHidden())
        );
      },
      { timeout: 180_000 },
    )
    .toBe(true);
}

async function search(page: Page, query: string): Promise<void> {
  await page.fill('#query', query);
  // This query's answer, not the previous one's (its figures are still shown while this one runs).
  await expect(page.locator('#search-info')).toHaveAttribute('data-query', query);
  await expect(page.locator('#search-info')).toContainText(/passages in \d+ ms|No passage/);
}

/** Passage counts per file name, as the library lists them. */
async function library(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll('#file-list li')).map((li) => [
        li.querySelector('.file-name')!.textContent!,
        li.querySelector('.file-count')!.textContent!,
      ]),
    ),
  );
}

test('each format through the file input: passages, progress, search, and the explainer checked against the tokenizer', async ({
  page,
}) => {
  const watch = await open(page);
  await expect(page.locator('#backend')).toContainText(/WASM, \d threads?, cross-origin isolated|WebGPU/);
  await expect(page.locator('#model-files li').first()).toBeVisible();
  await addByInput(page, ['notes.txt', 'guide.md', 'git-revert.html', 'small-corpus.jsonl']);
  await expect(page.locator('#index-text')).toContainText(/passages\/s/);
  await allIndexed(page, 4);
  const files = await library(page);
  expect(Object.keys(files).sort()).toEqual(['git-revert.html', 'guide.md', 'notes.txt', 'small-corpus.jsonl']);
  expect(files['notes.txt']).toBe('1 passage');
  expect(files['guide.md']).toBe('4 passages');
  expect(files['small-corpus.jsonl']).toBe(
    `${splitJsonl(readFileSync(join(fixtures, 'small-corpus.jsonl'), 'utf8'), 'x').passages.length} passages`,
  );
  expect(files['git-revert.html']).toMatch(/^\d+ passages$/);

  // Markdown heading paths reach the hits.
  await search(page, 'resolve conflict when both sides change');
  const top = page.locator('#results li').first();
  await expect(top.locator('.hit-path')).toContainText('Branching guide › Merging › Conflicts');
  await expect(top.locator('.hit-file')).toHaveText('guide.md');
  await expect(page.locator('#search-info')).toContainText(/static weights, no model call/);

  await search(page, 'revert a commit that was pushed');
  const hits = page.locator('#results li');
  expect(await hits.count()).toBeGreaterThan(1);
  await expect(page.locator('#explainer')).toBeVisible();
  await expect(page.locator('#query-note')).toContainText('static per-token weights');

  // Bars sum to the score, and the printed sum equals the printed score.
  const sums = await page.evaluate(() => {
    const bars = Array.from(document.querySelectorAll<HTMLElement>('#bars li')).map((li) =>
      Number(li.dataset['product']),
    );
    const sum = document.querySelector<HTMLElement>('#bar-sum')!;
    const score = Number(document.querySelector<HTMLElement>('#results li.selected')!.dataset['score']);
    return { bars: bars.reduce((a, b) => a + b, 0), score, text: sum.textContent! };
  });
  expect(Math.abs(sums.bars - sums.score)).toBeLessThan(1e-4 * Math.max(1, sums.score));
  const printed = /Sum of the \d+ bars: ([\d.]+) = score ([\d.]+)/.exec(sums.text)!;
  expect(printed[1]).toBe(printed[2]);

  // Every highlight in the passage and the snippet is a token the tokenizer produced at that place.
  const check = await checkHighlights(page);
  expect(check.marks).toBeGreaterThan(0);
  expect(check.bad).toEqual([]);

  // Choosing a term highlights its source words.
  const term = page.locator('#bars .term').first();
  await term.click();
  await expect(term).toHaveAttribute('aria-pressed', 'true');
  expect(await page.locator('#doc-text mark.active').count()).toBeGreaterThan(0);

  // The passage's heaviest terms come from its stored vector.
  await expect(page.locator('#heavy-terms li').first()).toBeVisible();
  // Why is A above B: per-term differences that add up to the score difference.
  await expect(page.locator('#compare-summary')).toContainText(/ahead by|behind by/);
  const diff = await page.evaluate(() => {
    const rows = Array.from(document.querySelectorAll('#compare-table tbody tr td:last-child')).map((td) =>
      Number(td.textContent!.replace('−', '-').replace('+', '')),
    );
    const foot = Number(
      document.querySelector('#compare-table tfoot td:last-child')!.textContent!.replace('−', '-').replace('+', ''),
    );
    return { rows: rows.reduce((a, b) => a + b, 0), foot };
  });
  expect(Math.abs(diff.rows - diff.foot)).toBeLessThan(2e-3);

  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

/** Presses Tab until `selector` has the focus (keyboard only), failing after `max` presses. */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let k = 0; k < max; k++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** The corpus the cancel test indexes: enough passages that Cancel lands mid-way. */
function bigCorpus(records: number): string {
  const passages = (
    JSON.parse(readFileSync(join(repo, 'test', 'fixtures', 'passages', 'git-doc.json'), 'utf8')) as {
      passages: string[];
    }
  ).passages;
  return Array.from({ length: records }, (_, k) =>
    JSON.stringify({ _id: `b${k}`, title: `record ${k}`, text: passages[k % passages.length]!.slice(0, 400) }),
  ).join('\n');
}

test('each format by drop; expansion terms name their source words', async ({ page }) => {
  const watch = await open(page);
  await addByDrop(page, ['notes.txt', 'guide.md', 'git-revert.html', 'small-corpus.jsonl']);
  await allIndexed(page, 4);
  const files = await library(page);
  expect(files['guide.md']).toBe('4 passages');
  expect(files['notes.txt']).toBe('1 passage');
  // An expansion contribution: a term the passage does not contain, produced by words it does.
  let found = '';
  for (const q of [
    'revert reverting reverted commits',
    'changes modifications saving',
    'merging branches merged',
    'conflicts conflicting',
    'history rewrite rewriting',
    'patch patches applied',
  ]) {
    await search(page, q);
    if (!(await page.locator('#bars li.expansion').count())) continue;
    const row = page.locator('#bars li.expansion').first();
    // The row's source spans, its badge and the passage, read together once the explainer has
    // drawn the passage the bars belong to (it may still show the previous one for a moment).
    const read = () =>
      page.evaluate(() => {
        const li = document.querySelector('#bars li.expansion')!;
        const text = document.querySelector('#doc-text')!.textContent!;
        const words = li
          .getAttribute('data-sources')!
          .split(' ')
          .filter(Boolean)
          .map((s) => {
            const [a, b] = s.split('-').map(Number);
            return text.slice(a, b);
          });
        return { words, badge: li.querySelector('.badge')!.textContent };
      });
    await expect
      .poll(async () => {
        const r = await read();
        return r.badge === `expansion, from “${r.words.join(', ')}”`;
      })
      .toBe(true);
    const { words } = await read();
    expect(words.length).toBeGreaterThan(0);
    await expect(row.locator('.badge')).toHaveText(`expansion, from “${words.join(', ')}”`);
    // Its source words are marked in the passage as what produced an expansion.
    await row.locator('.term').click();
    const active = await page.locator('#doc-text mark.active').allTextContents();
    for (const w of words) expect(active).toContain(w);
    found = q;
    break;
  }
  expect(found, 'one of the queries meets an expansion term').not.toBe('');
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('cancel mid-way keeps whole committed batches, searchable; a reload keeps them; resume completes', async ({
  page,
}) => {
  const watch = await open(page);
  const text = bigCorpus(80);
  const total = splitJsonl(text, 'x').passages.length;
  await addByDrop(page, [{ name: 'big.jsonl', text }]);
  await expect(page.locator('#index-text')).toContainText(/big\.jsonl: ([1-9]\d*) \/ /, { timeout: 60_000 });
  await expect(page.locator('#index-text')).toContainText(/passages\/s · .* left/);
  await page.click('#cancel');
  await expect(page.locator('#encode-info')).toContainText('Cancelled', { timeout: 60_000 });
  const state = await page.evaluate(async () => {
    const { app } = (
      window as unknown as { spladeDemo: { app: { index: { ids(f?: object): Promise<string[]>; count(): number } } } }
    ).spladeDemo;
    return { ids: await app.index.ids(), count: app.index.count() };
  });
  const kept = state.count;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(total);
  // Nothing partial: whole batches of 16, the first passages of the file in order.
  expect(kept % 16).toBe(0);
  const numbers = state.ids.map((id) => Number(id.split('#')[1])).sort((a, b) => a - b);
  expect(numbers).toEqual(Array.from({ length: kept }, (_, k) => k));
  await expect(page.locator('#encode-info')).toContainText(`has ${kept} of ${total} passages indexed`);
  await expect.poll(async () => (await library(page))['big.jsonl']).toBe(`${kept} of ${total} passages indexed`);
  // Committed passages are searchable now.
  await search(page, 'git');
  expect(Number(await page.locator('#search-info').getAttribute('data-count'))).toBeGreaterThan(0);

  await page.reload();
  await ready(page);
  await expect(page.locator('#file-list li')).toHaveCount(1);
  await expect.poll(async () => (await library(page))['big.jsonl']).toBe(`${kept} of ${total} passages indexed`);
  await page.getByRole('button', { name: 'Index the rest of big.jsonl' }).click();
  await indexed(page, total);
  await expect.poll(async () => (await library(page))['big.jsonl']).toBe(`${total} passages`);
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('offline: after one visit, a reload with the network off opens the library, searches, explains and indexes a new file', async ({
  page,
  context,
}) => {
  const watch = await open(page);
  await addByInput(page, ['guide.md']);
  await indexed(page, 4);
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);
  await context.setOffline(true);
  try {
    await page.reload();
    await ready(page);
    await expect(page.locator('#file-list li')).toHaveCount(1);
    await search(page, 'merge commit');
    await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('guide.md');
    await expect(page.locator('#bars li').first()).toBeVisible();
    await addByInput(page, ['notes.txt']);
    await indexed(page, 5);
    await search(page, 'stash local modifications');
    await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('notes.txt');
  } finally {
    await context.setOffline(false);
  }
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('a hostile corpus never runs and never becomes markup; zero CSP violations', async ({ page }) => {
  const watch = await open(page);
  await addByInput(page, ['xss.html', 'xss.jsonl', 'xss.md']);
  await addByDrop(page, [
    {
      name: '<img src=x onerror="window.pwned=\'name\'">.txt',
      text: 'rebase <b>bold</b> <script>window.pwned="txt"</script>',
    },
  ]);
  await allIndexed(page, 4);
  await search(page, 'rebase');
  expect(await page.locator('#results li').count()).toBeGreaterThan(3);
  // Each hit in turn through the explainer, so every view of hostile text is rendered.
  const n = await page.locator('#results li').count();
  for (let k = 0; k < n; k++) await page.locator('#results .hit-open').nth(k).click();
  await expect(page.locator('#results')).toContainText('<img src=x onerror=');
  await expect(page.locator('#file-list')).toContainText('<img src=x onerror="window.pwned=\'name\'">.txt');
  const made = await page.evaluate(() =>
    ['img', 'script', 'svg', 'iframe', 'a', 'b', 'link', 'meta'].map(
      (t) => document.querySelectorAll(`main ${t}`).length,
    ),
  );
  expect(made).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  expect(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned)).toBeUndefined();
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('keyboard only: add text, search, open a hit, choose a term; every control is named', async ({ page }) => {
  const watch = await open(page);
  const unnamed = await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('button, input, select, textarea'))
      .filter((el) => {
        const labelled =
          (el as HTMLInputElement).labels?.length ||
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby');
        return !labelled && !(el.tagName === 'BUTTON' && el.textContent!.trim());
      })
      .map((el) => el.id || el.outerHTML.slice(0, 60)),
  );
  expect(unnamed).toEqual([]);
  expect(await page.getAttribute('#query', 'type')).toBe('search');
  await tabTo(page, '#docs');
  await page.keyboard.type('Use git rebase to replay commits onto another branch.\ngit stash saves local changes.');
  await tabTo(page, '#encode');
  await page.keyboard.press('Enter');
  await expect(page.locator('#encode-info')).toContainText('2 documents', { timeout: 60_000 });
  await tabTo(page, '#query');
  await page.keyboard.type('rebase branch');
  // The last keystroke's answer: an earlier one may still arrive while the keys below are pressed.
  await expect(page.locator('#search-info')).toHaveAttribute('data-query', 'rebase branch');
  await expect(page.locator('#results li')).not.toHaveCount(0);
  await page.keyboard.press('ArrowDown');
  expect(await page.evaluate(() => document.activeElement?.classList.contains('hit-open'))).toBe(true);
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('explainer');
  await tabTo(page, '#bars .term');
  await page.keyboard.press('Space');
  await expect(page.locator('#bars .term').first()).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#announcer')).not.toBeEmpty();
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('Korean with the Korean model, its own index: another vocabulary is announced and never mixed; a failed load is recoverable', async ({
  page,
}) => {
  const watch = await open(page);
  await addByInput(page, ['notes.txt']);
  await indexed(page, 1);
  await page.selectOption('#model', 'splade-tiny-ko');
  await ready(page);
  await expect(page.locator('#model-note')).toContainText('another vocabulary');
  // The English file is not in the Korean model's index; the library offers to index it.
  await expect.poll(async () => (await library(page))['notes.txt']).toBe('1 passage, not indexed with this model');
  await expect(page.locator('#reindex button')).toContainText('with splade-tiny-ko');
  await addByInput(page, ['gimp-ko.txt']);
  await expect(page.locator('#file-list li[data-file] .file-count').last()).toHaveText(/^\d+ passages?$/, {
    timeout: 120_000,
  });
  const word = readFileSync(join(fixtures, 'gimp-ko.txt'), 'utf8')
    .match(/[가-힣]{2,}/g)!
    .slice(3, 5)
    .join(' ');
  await search(page, word);
  await expect(page.locator('#query-note')).toContainText('The model encoded the query');
  await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('gimp-ko.txt');
  const check = await checkHighlights(page);
  expect(check.marks).toBeGreaterThan(0);
  expect(check.bad).toEqual([]);
  const sums = await page.evaluate(() => ({
    sum: Number(document.querySelector<HTMLElement>('#bar-sum')!.dataset['sum']),
    score: Number(document.querySelector<HTMLElement>('#results li.selected')!.dataset['score']),
  }));
  expect(Math.abs(sums.sum - sums.score)).toBeLessThan(1e-4 * Math.max(1, sums.score));

  // A model whose size cannot be looked up (no network here) says so, unloads nothing, and offers
  // Retry; another model recovers.
  await page.selectOption('#model', 'custom');
  await page.fill('#model-custom', 'nobody/no-such-model');
  await page.click('#model-load');
  await expect(page.locator('#model-size')).toContainText('Could not look up nobody/no-such-model', {
    timeout: 60_000,
  });
  await expect(page.locator('#model-download')).toHaveText('Retry');
  await expect(page.locator('#status')).toHaveText('ready');
  await page.selectOption('#model', 'splade-tiny-en-if');
  await ready(page);
  // Back on English: its index holds the English file only.
  // The library is redrawn for the model just loaded: wait for it, not for the previous model's list.
  await expect.poll(async () => (await library(page))['gimp-ko.txt']).toMatch(/not indexed with this model/);
  expect((await library(page))['notes.txt']).toBe('1 passage');
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('search as you type drops a response that arrives after a newer keystroke', async ({ page }) => {
  const watch = await open(page);
  await addByInput(page, ['guide.md', 'notes.txt']);
  await allIndexed(page, 2);
  // The first query's encoding is held back until after the second query has been answered.
  await page.evaluate(() => {
    const { app } = (
      window as unknown as {
        spladeDemo: { app: { encoder: { encodeQuery: (q: string, o?: object) => Promise<unknown> } } };
      }
    ).spladeDemo;
    const original = app.encoder.encodeQuery.bind(app.encoder);
    let first = true;
    app.encoder.encodeQuery = async (q: string, o?: object) => {
      const v = await original(q, o);
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 1500));
      }
      return v;
    };
  });
  const before = await page.evaluate(
    () => (window as unknown as { spladeDemo: { searchStats: { dropped: number } } }).spladeDemo.searchStats.dropped,
  );
  await page.fill('#query', 'stash local modifications');
  await page.fill('#query', 'merge conflict');
  await expect(page.locator('#explainer-title')).toContainText('“merge conflict”');
  await page.waitForTimeout(2000);
  await expect(page.locator('#explainer-title')).toContainText('“merge conflict”');
  await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('guide.md');
  const after = await page.evaluate(
    () => (window as unknown as { spladeDemo: { searchStats: { dropped: number } } }).spladeDemo.searchStats.dropped,
  );
  expect(after - before).toBe(1);
  expect(watch.errors).toEqual([]);
});

test('npm run demo: serves the demo at the URL it prints, and takes the next port when its own is busy', async () => {
  const { spawn } = await import('node:child_process');
  // The test's own server holds 4180: the command asked for 4180 must move on.
  const child = spawn(
    process.execPath,
    [join(repo, 'demo', 'serve.mjs'), '--no-build', '--dir', out, '--port', String(server.port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const url = await new Promise<string>((done, fail) => {
      let seen = '';
      child.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        const m = /splade-web demo: (http:\/\/\S+)/.exec(seen);
        if (m) done(m[1]!);
      });
      child.on('exit', (code) => fail(new Error(`demo server exited with ${code}: ${seen}`)));
    });
    // The next free port after the busy one (usually the very next; another job may hold that too).
    const port = Number(new URL(url).port);
    expect(url).toBe(`http://127.0.0.1:${port}/demo/`);
    expect(port).toBeGreaterThan(server.port);
    expect(port).toBeLessThan(server.port + 50);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('splade-web');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const root = await fetch(url.replace('/demo/', '/'), { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/demo/');
  } finally {
    child.kill();
  }
});

test('an evicted index or library says so and offers the way back', async ({ page }) => {
  const watch = await open(page);
  await addByInput(page, ['guide.md']);
  await indexed(page, 4);
  // The browser evicts the index: delete its database while no page holds it open.
  await page.goto(`${new URL(server.url).origin}/nothing-here`);
  await page.evaluate(
    () =>
      new Promise<void>((done, fail) => {
        const r = indexedDB.deleteDatabase('splade-web:demo-splade-tiny-en-if');
        r.onsuccess = () => done();
        r.onerror = () => fail(r.error);
      }),
  );
  await page.goto(server.url);
  await ready(page);
  await expect(page.locator('#library-alert')).toContainText('held 4 passages and is now empty');
  await page.getByRole('button', { name: 'Re-index all files' }).click();
  await indexed(page, 4);
  await expect(page.locator('#library-alert')).toBeHidden();
  // Now the files themselves go.
  await page.goto(`${new URL(server.url).origin}/nothing-here`);
  await page.evaluate(
    () =>
      new Promise<void>((done) => {
        const r = indexedDB.deleteDatabase('splade-demo-files');
        r.onsuccess = () => done();
      }),
  );
  await page.goto(server.url);
  await ready(page);
  await expect(page.locator('#library-alert')).toContainText('Your library of 1 file is gone');
  await page.getByRole('button', { name: 'Start a new library' }).click();
  await expect(page.locator('#library-alert')).toBeHidden();
  await search(page, 'merge commit');
  await expect(page.locator('#search-info')).toContainText('No passage');
  expect(watch.errors).toEqual([]);
});

/**
 * Holds every request for the bundled models' files until the returned function is called, so the
 * model stays loading while the test acts. A context route: it also holds the requests of the
 * encoder's worker and of the service worker. A request whose page went away meanwhile is dropped.
 */
async function holdModels(page: Page): Promise<() => Promise<void>> {
  let release!: () => void;
  const gate = new Promise<void>((done) => (release = done));
  const held = (url: URL) => url.origin === new URL(server.url).origin && url.pathname.includes('/models/');
  const handler = async (route: Route) => {
    await gate;
    await route.fallback().catch(() => {});
  };
  await page.context().route(held, handler);
  return async () => {
    release();
    await page.context().unroute(held, handler);
  };
}

test('the first minute: files chosen while the model loads are indexed once it is ready, with no extra click', async ({
  page,
}) => {
  const releaseModel = await holdModels(page);
  const watch = await visit(page);
  await expect(page.locator('#status')).toHaveText('loading…');
  // The file input works at once: the user picks files long before the model is there.
  await addByInput(page, ['guide.md', 'notes.txt', 'small-corpus.jsonl']);
  await expect(page.locator('#add-info')).toContainText('Added 3 files');
  await expect(page.locator('#add-info')).toContainText('indexed as soon as the model is ready');
  // They are shown waiting in the queue, not as files that need a button.
  await expect(page.locator('#index-text')).toHaveText(
    '3 files queued: indexing starts as soon as the model is ready.',
  );
  await expect(page.locator('#file-list li .file-count')).toHaveText(Array(3).fill(/queued for indexing$/));
  await expect(page.locator('#file-list li button', { hasText: /^Index$/ })).toHaveCount(0);
  await expect(page.locator('#status')).toHaveText('loading…');
  await releaseModel();
  await ready(page);
  // No click: the queued files are indexed as the model is ready, with the usual progress.
  await expect(page.locator('#index-text')).toContainText(/passages\/s/, { timeout: 60_000 });
  await allIndexed(page, 3);
  await search(page, 'resolve conflict when both sides change');
  await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('guide.md');
  await search(page, 'stash local modifications');
  await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('notes.txt');
  // A later visit finds them indexed and nothing queued.
  await page.reload();
  await ready(page);
  await allIndexed(page, 3);
  await expect(page.locator('#reindex')).toBeEmpty();
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('files added before the model was ready and left when the page closed are indexed on the next visit', async ({
  page,
}) => {
  const releaseModel = await holdModels(page);
  const watch = await visit(page);
  await addByInput(page, ['guide.md', 'notes.txt']);
  await expect(page.locator('#file-list li')).toHaveCount(2);
  await expect(page.locator('#status')).toHaveText('loading…');
  // Gone before the model loaded; on the next visit the model is still slow to come.
  await page.reload();
  await expect(page.locator('#file-list li .file-count')).toHaveText(Array(2).fill(/queued for indexing$/));
  await expect(page.locator('#index-text')).toHaveText(
    '2 files queued: indexing starts as soon as the model is ready.',
  );
  await expect(page.locator('#status')).toHaveText('loading…');
  await releaseModel();
  await ready(page);
  await allIndexed(page, 2);
  await search(page, 'stash local modifications');
  await expect(page.locator('#results li').first().locator('.hit-file')).toHaveText('notes.txt');
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});

test('a model switch mid-queue pauses it: the file in flight and the files after it are indexed with the new model', async ({
  page,
}) => {
  const watch = await open(page);
  const text = bigCorpus(48);
  const total = splitJsonl(text, 'x').passages.length;
  await addByDrop(page, [{ name: 'big.jsonl', text }, 'notes.txt']);
  await expect(page.locator('#index-text')).toContainText(/big\.jsonl: ([1-9]\d*) \/ /, { timeout: 60_000 });
  await page.selectOption('#model', 'splade-tiny-ko');
  await expect(page.locator('#encode-info')).toContainText('will be indexed with the new model');
  await ready(page);
  await allIndexed(page, 2);
  expect(await library(page)).toEqual({ 'big.jsonl': `${total} passages`, 'notes.txt': '1 passage' });
  await expect(page.locator('#reindex')).toBeEmpty();
  expect(watch.errors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
});
