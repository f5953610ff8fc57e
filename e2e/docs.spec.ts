/**
 * The browser side of `splade-web build`: the fixture site (test/fixtures/site) built into a
 * folder, served by a static server of this spec's own (port 4190+, with Range and gzip as static
 * hosts do), searched through `import('/search/splade.js')` in Chromium. Hits equal those of a
 * SparseIndex (Node) holding the same vectors; a query fetches only the chunks of its terms and
 * the records of the hits it shows (searchPages: no section metadata at all); after one visit the
 * site searches offline; the page's CSP forbids eval and inline script, and nothing builds HTML
 * from indexed text. A host that ignores Range gives the same answers for the same bytes; a site
 * rebuilt under an open page answers the next query from the new index, reloading the entry once.
 */
import { createServer, type Server } from 'node:http';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { build } from '../src/cli/build.ts';
import { openBuiltSite } from '../src/cli/export.ts';

const work = mkdtempSync(join(tmpdir(), 'splade-docs-e2e-'));
const out = join(work, 'search');
const PORT = Number(process.env['DOCS_E2E_PORT'] ?? 4197);
const origin = `http://127.0.0.1:${PORT}`;
let server: Server;
const requests: { url: string; range?: string; bytes: number }[] = [];
/** Answer Range requests with the whole file (200), as Python's http.server and some CDNs do. */
let ignoreRange = false;

const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; connect-src 'self'">
<title>search</title><script type="module" src="/page.js"></script></head><body><input id="q"><ol id="results"></ol></body></html>`;
// The page script renders with textContent only: indexed text is never HTML.
const PAGE_JS = `window.splade = await import('/search/splade.js'); window.render = (hits) => { const ol = document.getElementById('results'); ol.replaceChildren(...hits.map((h) => { const li = document.createElement('li'); li.textContent = h.title + ' - ' + h.snippet.text; return li; })); };`;

test.beforeAll(async () => {
  // Small posting chunks and heads files of 2 sections: what a query fetches shows at this size.
  await build({ site: 'test/fixtures/site', out, cache: join(work, 'cache'), chunkBytes: 256, headsPerFile: 2 });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    let body: Buffer;
    let type = 'application/octet-stream';
    if (url.pathname === '/' || url.pathname === '/index.html') {
      body = Buffer.from(PAGE);
      type = 'text/html';
    } else if (url.pathname === '/page.js') {
      body = Buffer.from(PAGE_JS);
      type = 'text/javascript';
    } else if (url.pathname.startsWith('/search/')) {
      const path = normalize(join(out, url.pathname.slice('/search/'.length)));
      if (!path.startsWith(out) || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
        res.writeHead(404).end();
        return;
      }
      body = readFileSync(path);
      type = { '.js': 'text/javascript', '.json': 'application/json' }[extname(path)] ?? type;
    } else {
      res.writeHead(404).end();
      return;
    }
    const range = ignoreRange ? null : /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const part = body.subarray(Number(range[1]), Number(range[2]) + 1);
      requests.push({ url: url.pathname, range: req.headers.range!, bytes: part.length });
      res.writeHead(206, {
        'content-type': type,
        'content-range': `bytes ${range[1]}-${range[2]}/${body.length}`,
        'content-length': part.length,
        'cache-control': 'no-store',
      });
      res.end(part);
      return;
    }
    const gz = gzipSync(body);
    requests.push({ url: url.pathname, bytes: gz.length, ...(req.headers.range ? { range: req.headers.range } : {}) });
    res.writeHead(200, {
      'content-type': type,
      'content-encoding': 'gzip',
      'content-length': gz.length,
      'cache-control': 'no-store',
      'accept-ranges': 'bytes',
    });
    res.end(gz);
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const QUERIES = [
  'build a tree object from ls-tree output',
  'verify a signed tag with gpg',
  'count loose objects and packs',
  'markdown headings sections',
  'write tree from the index',
];

test('hits equal a SparseIndex of the same vectors; only needed chunks and records are fetched; offline after one visit', async ({
  page,
  context,
}) => {
  const site = await openBuiltSite(out);
  const expected: { id: string; score: number }[][] = [];
  for (const q of QUERIES) {
    const v = await site.tokenizer!.encodeQuery(q);
    expected.push((await site.index.search(v, { limit: 5 })).map((h) => ({ id: h.id, score: h.score })));
  }
  const folder = JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8')).index.folder as string;
  const totalChunks = readdirSync(join(out, folder)).filter((n) => /-c\d+\.bin$/.test(n)).length;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Console lines are not counted: the browser logs the favicon's 404 and, offline, the entry's
  // failed revalidation (which the runtime answers from the Cache API).
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
  requests.length = 0;
  const first = await page.evaluate(async (q) => {
    const s = (
      window as unknown as {
        splade: {
          search(
            q: string,
            o: object,
          ): Promise<
            {
              id: string;
              url: string;
              title: string;
              path: string[];
              score: number;
              snippet: { text: string; highlights: { start: number; end: number }[] };
            }[]
          >;
        };
      }
    ).splade;
    const hits = await s.search(q, { limit: 5 });
    (window as unknown as { render(h: unknown): void }).render(hits);
    return hits;
  }, QUERIES[0]!);
  expect(first.map((h) => ({ id: h.id, score: h.score }))).toEqual(expected[0]);
  expect(first[0]!.url).toMatch(/\/git\/git-mktree\.html(#|$)/); // NAME sits at the page top: no anchor
  expect(first[0]!.path.length).toBeGreaterThan(0);
  for (const h of first) for (const hl of h.snippet.highlights) expect(hl.end).toBeGreaterThan(hl.start);
  // Only the posting chunks of the query's terms, and at most one record file per shown hit; no
  // Range request (records are in small files, fetched whole).
  const chunkFetches = requests.filter((r) => /-c\d+\.bin$/.test(r.url)).length;
  expect(chunkFetches).toBeGreaterThan(0);
  expect(chunkFetches).toBeLessThan(totalChunks);
  expect(requests.filter((r) => /\/r\d+-\d+\.bin$/.test(r.url)).length).toBeLessThanOrEqual(first.length);
  expect(requests.filter((r) => r.range)).toEqual([]);
  for (let k = 1; k < QUERIES.length; k++) {
    const hits = await page.evaluate(
      async (q) =>
        (
          window as unknown as { splade: { search(q: string, o: object): Promise<{ id: string; score: number }[]> } }
        ).splade.search(q, { limit: 5 }),
      QUERIES[k]!,
    );
    expect(hits.map((h) => ({ id: h.id, score: h.score }))).toEqual(expected[k]);
  }
  // Offline: the runtime reopens the index (configure() drops what it holds in memory), and the
  // entry, dictionary pages, chunks, records and tokenizer shards all come from the Cache API.
  await context.setOffline(true);
  requests.length = 0;
  const offline = await page.evaluate(async (q) => {
    const s = (
      window as unknown as {
        splade: { configure(o: object): void; search(q: string, o: object): Promise<{ id: string; score: number }[]> };
      }
    ).splade;
    s.configure({});
    return s.search(q, { limit: 5 });
  }, QUERIES[1]!);
  await context.setOffline(false);
  expect(requests).toEqual([]);
  expect(offline.map((h) => ({ id: h.id, score: h.score }))).toEqual(expected[1]);
  expect(errors).toEqual([]);
  await site.index.dispose();
});

test("searchPages: pages ranked by their best sections (each further one 0.75 of the one before) and their lead section, as plain grouping of the index's top sections gives; no section metadata is read, only each shown page's best record and heads", async ({
  page,
}) => {
  const site = await openBuiltSite(out);
  // The reference, in plain code: the top 50 sections, grouped by URL without anchor, a page scored
  // by its best 3 (1, 0.75 and 0.5625 of their scores) and the score of its lead section (its first
  // in document order, wherever it ranks), pages by score (ties by their best section's rank).
  const urlOf = (d: { id: string; fields: unknown }) =>
    String((d.fields as { url?: string }).url ?? d.id).split('#')[0]!;
  const leadOfUrl = new Map<string, string>();
  for (const id of await site.index.ids()) {
    const url = urlOf((await site.index.get(id))!);
    if (!leadOfUrl.has(url)) leadOfUrl.set(url, id);
  }
  const expected: { url: string; score: number; sections: string[] }[][] = [];
  const plainSums: typeof expected = []; // with pageScoring { laterSection: 1, leadSection: 0 }
  for (const q of QUERIES) {
    const vector = await site.tokenizer!.encodeQuery(q);
    const all = new Map((await site.index.search(vector, { limit: 100_000 })).map((h) => [h.id, h.score]));
    const hits = await site.index.search(vector, { limit: 50 });
    const pages: { url: string; ids: string[]; scores: number[] }[] = [];
    for (const h of hits) {
      const url = urlOf(h);
      let p = pages.find((x) => x.url === url);
      if (!p) pages.push((p = { url, ids: [], scores: [] }));
      if (p.ids.length < 3) {
        p.ids.push(h.id);
        p.scores.push(h.score);
      }
    }
    const ranked = (later: number, lead: number) =>
      pages
        .map((p, k) => ({
          k,
          url: p.url,
          score: p.scores.reduce((a, b, i) => a + b * later ** i, 0) + lead * (all.get(leadOfUrl.get(p.url)!) ?? 0),
          sections: p.ids,
        }))
        .sort((a, b) => b.score - a.score || a.k - b.k)
        .slice(0, 4)
        .map(({ url, score, sections }) => ({ url, score, sections }));
    expected.push(ranked(0.75, 1));
    plainSums.push(ranked(1, 0));
  }
  await site.index.dispose();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
  for (const [k, q] of QUERIES.entries()) {
    requests.length = 0;
    type Pages = { url: string; title: string; score: number; sections: { id: string; snippet?: unknown }[] }[];
    // The query as the tokenizer encodes it (no completion of its last word, no word left out):
    // this test is about grouping; test/site-words.test.ts and e2e/prefix.spec.ts about the words.
    const run = (query: string, pageScoring?: object) =>
      page.evaluate(
        async ([query, pageScoring]) => {
          const s = (window as unknown as { splade: { searchPages(q: string, o: object): Promise<Pages> } }).splade;
          const options = { limit: 4, sectionsPerPage: 3, prefix: false, matchWords: false };
          return s.searchPages(query, pageScoring ? { ...options, pageScoring } : options).then(
            (pages) => ({ pages, error: undefined }),
            (e: { name: string; code: string; message: string }) => ({
              pages: [] as Pages,
              error: `${e.name}:${e.code}:${e.message}`,
            }),
          );
        },
        [query, pageScoring] as const,
      );
    const got = (await run(q)).pages;
    const fetched = [...requests]; // what this query alone fetched
    const plain = (await run(q, { laterSection: 1, leadSection: 0 })).pages;
    const refused = (await run(q, { leadSection: -1 })).error;
    const shown = (pages: typeof got) =>
      pages.map((p) => ({ url: p.url, score: p.score, sections: p.sections.map((h) => h.id) }));
    const close = (pages: (typeof expected)[number]) => pages.map((p) => ({ ...p, score: expect.closeTo(p.score, 5) }));
    expect(shown(got), q).toEqual(close(expected[k]!));
    expect(shown(plain), q).toEqual(close(plainSums[k]!));
    expect(refused).toBe(
      'SpladeError:invalid-option:searchPages() option pageScoring.leadSection must be a number from 0, got -1',
    );
    for (const p of got) {
      expect(p.title.length, q).toBeGreaterThan(0);
      expect(p.sections[0]!.snippet, q).toBeDefined();
      for (const other of p.sections.slice(1)) expect(other.snippet, q).toBeUndefined();
    }
    // No section metadata (pages group by the page table): the record of each page's best section
    // (its snippet) and, for a page showing more, its heads file (its sections' ids and fields).
    expect(
      fetched.filter((r) => /-m\d+\.bin$/.test(r.url)),
      q,
    ).toEqual([]);
    const recordFiles = fetched.filter((r) => /\/r\d+-\d+\.bin$/.test(r.url)).length;
    expect(recordFiles, q).toBeLessThanOrEqual(got.length);
    // Heads files of 2 sections: at most one per other section shown, never a whole page's.
    const headFiles = fetched.filter((r) => /\/h\d+-\d+\.bin$/.test(r.url)).length;
    expect(headFiles, q).toBeLessThanOrEqual(got.reduce((n, p) => n + p.sections.length - 1, 0));
    expect(
      fetched.filter((r) => /\/h\d+\.bin$/.test(r.url)),
      q,
    ).toEqual([]);
  }
});

type SearchPages = (
  q: string,
  o: object,
) => Promise<{ url: string; score: number; sections: { id: string; snippet?: { text: string } }[] }[]>;

/** Each query's searchPages in a fresh page (a cold query), with what the server sent for it. */
async function coldPages(page: import('@playwright/test').Page, queries: readonly string[]) {
  const out: { pages: Awaited<ReturnType<SearchPages>>; bytes: number; requests: typeof requests }[] = [];
  for (const q of queries) {
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
    requests.length = 0;
    const pages = await page.evaluate(
      (query) =>
        (window as unknown as { splade: { configure(o: object): void; searchPages: SearchPages } }).splade.searchPages(
          query,
          { limit: 5 },
        ),
      q,
    );
    const mine = requests.filter((r) => r.url.startsWith('/search/'));
    out.push({ pages, bytes: mine.reduce((n, r) => n + r.bytes, 0), requests: [...mine] });
  }
  return out;
}

test('a host that ignores Range: the same pages for the same bytes, and no file fetched twice', async ({ browser }) => {
  // A context without the Cache API's help: every query is a first visit (no cached files).
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route('**/*', (route) => route.continue());
  const queries = [...QUERIES, 'show the ancestry of a commit'];
  const measure = async () => {
    const r: Awaited<ReturnType<typeof coldPages>> = [];
    for (const q of queries) {
      // A fresh context per query: nothing from the Cache API or the HTTP cache.
      const c = await browser.newContext();
      const p = await c.newPage();
      r.push(...(await coldPages(p, [q])));
      await c.close();
    }
    return r;
  };
  ignoreRange = false;
  const honoured = await measure();
  ignoreRange = true;
  const ignored = await measure();
  ignoreRange = false;
  await context.close();
  for (const [k, q] of queries.entries()) {
    const a = honoured[k]!;
    const b = ignored[k]!;
    expect(b.pages, q).toEqual(a.pages);
    expect(a.pages.length, q).toBeGreaterThan(0);
    // Nothing asks for a range, so nothing changes when a host ignores it: the same files, the same bytes.
    expect(b.bytes, q).toBe(a.bytes);
    expect(
      a.requests.filter((r) => r.range),
      q,
    ).toEqual([]);
    const urls = b.requests.map((r) => r.url);
    expect(new Set(urls).size, `${q}: a file fetched twice`).toBe(urls.length);
  }
});

test('a site rebuilt under an open page: the next query reloads the entry once and answers from the new index alone', async ({
  page,
}) => {
  // A second build of the site with one page changed: its index is a new folder, and the old one
  // goes when it is swapped in (as a deploy replaces a folder).
  const site2 = join(work, 'site2');
  cpSync('test/fixtures/site', site2, { recursive: true });
  const mktree = join(site2, 'git/git-mktree.html');
  writeFileSync(
    mktree,
    readFileSync(mktree, 'utf8').replace(
      /<\/body>/i,
      '<h2 id="zebra">Zebra crossings</h2><p>A zebra crossing is a striped pedestrian crossing on a road.</p></body>',
    ),
  );
  const out2 = join(work, 'search2');
  await build({ site: site2, out: out2, cache: join(work, 'cache'), chunkBytes: 256 });
  const newSite = await openBuiltSite(out2);
  const expectedNew = await newSite.index.search(await newSite.tokenizer!.encodeQuery('zebra crossing road'), {
    limit: 50,
  });
  await newSite.index.dispose();
  expect(expectedNew[0]!.id).toMatch(/git-mktree\.html#zebra$/);

  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
  const ask = (q: string) =>
    page.evaluate(
      (query) =>
        (window as unknown as { splade: { searchPages: SearchPages } }).splade.searchPages(query, {
          limit: 5,
          prefix: false,
          matchWords: false,
        }),
      q,
    );
  const ids = (pages: Awaited<ReturnType<SearchPages>>) => pages.flatMap((p) => p.sections.map((s) => s.id));
  const entryFetches = () => requests.filter((r) => r.url === '/search/splade-entry.json');
  const folderOf = (dir: string) =>
    JSON.parse(readFileSync(join(dir, 'splade-entry.json'), 'utf8')).index.folder as string;
  const oldFolder = folderOf(out);
  const newFolder = folderOf(out2);
  expect(newFolder).not.toBe(oldFolder);
  const first = await ask('verify a signed tag with gpg');
  expect(first.length).toBeGreaterThan(0);
  // Deploy: the new folder replaces the old one (its index.<hash>/ files go with it).
  const old = `${out}.old`;
  renameSync(out, old);
  cpSync(out2, out, { recursive: true });
  try {
    // 1. A query that needs a file of the old build (a record file no query read yet) finds it
    //    gone, fetches the entry once and answers from the new build's files alone.
    requests.length = 0;
    const moved = await ask('count loose objects and packs');
    expect(moved.length).toBeGreaterThan(0);
    expect(entryFetches().length).toBe(1);
    const at = requests.indexOf(entryFetches()[0]!);
    const later = requests.slice(at + 1).filter((r) => r.url.includes('/index.'));
    expect(later.length).toBeGreaterThan(0);
    for (const r of later) expect(r.url).toContain(`/search/${newFolder}`);
    requests.length = 0;
    const zebra = await ask('zebra crossing road');
    expect(zebra[0]!.url).toMatch(/\/git\/git-mktree\.html$/);
    expect(zebra[0]!.sections[0]!.id).toMatch(/#zebra$/);
    expect(zebra[0]!.sections[0]!.snippet!.text).toMatch(/zebra/i);
    expect(entryFetches()).toEqual([]);
    // 2. A query answered wholly from what the page holds needs no file, so it cannot see a file
    //    gone: the entry, revalidated beside it (here on every query: checkEvery 0), names another
    //    build, and the query is answered again from that build alone.
    await page.evaluate(() =>
      (window as unknown as { splade: { configure(o: object): void } }).splade.configure({ checkEvery: 0 }),
    );
    expect(ids(await ask('zebra crossing road')).some((id) => id.endsWith('#zebra'))).toBe(true);
    rmSync(out, { recursive: true, force: true });
    cpSync(old, out, { recursive: true }); // the old build deployed again
    requests.length = 0;
    const back = await ask('zebra crossing road');
    expect(ids(back).some((id) => id.endsWith('#zebra'))).toBe(false);
    // (What the Cache API kept of the old build from the first query is not asked again.)
    for (const r of requests.filter((r) => r.url.includes('/index.'))) expect(r.url).toContain(`/search/${oldFolder}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
    renameSync(old, out);
  }
});
