/**
 * The browser side of `splade-web build`: the fixture site (test/fixtures/site) built into a
 * folder, served by a static server of this spec's own (port 4190+, with Range and gzip as static
 * hosts do), searched through `import('/search/splade.js')` in Chromium. Hits equal those of a
 * SparseIndex (Node) holding the same vectors; a query fetches only the chunks of its terms and
 * the records of the hits it shows; after one visit the site searches offline; the page's CSP
 * forbids eval and inline script, and nothing builds HTML from indexed text.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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

const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; connect-src 'self'">
<title>search</title><script type="module" src="/page.js"></script></head><body><input id="q"><ol id="results"></ol></body></html>`;
// The page script renders with textContent only: indexed text is never HTML.
const PAGE_JS = `window.splade = await import('/search/splade.js'); window.render = (hits) => { const ol = document.getElementById('results'); ol.replaceChildren(...hits.map((h) => { const li = document.createElement('li'); li.textContent = h.title + ' - ' + h.snippet.text; return li; })); };`;

test.beforeAll(async () => {
  await build({ site: 'test/fixtures/site', out, cache: join(work, 'cache'), chunkBytes: 256 });
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
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
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
    requests.push({ url: url.pathname, bytes: gz.length });
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
  const totalChunks = readFileSync(
    join(out, JSON.parse(readFileSync(join(out, 'splade-entry.json'), 'utf8')).directory),
    'utf8',
  ).match(/chunk\./g)!.length;
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
  // Only the posting chunks of the query's terms, and one ranged read per shown hit.
  const chunkFetches = requests.filter((r) => r.url.includes('/chunk.')).length;
  expect(chunkFetches).toBeGreaterThan(0);
  expect(chunkFetches).toBeLessThan(totalChunks);
  expect(requests.filter((r) => r.range).length).toBe(first.length);
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
  // entry, directory, core, chunks, records and tokenizer shards all come from the Cache API.
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

test("searchPages: pages ranked by the sum of their best sections, as plain grouping of the index's top sections gives; only each page's best section is read", async ({
  page,
}) => {
  const site = await openBuiltSite(out);
  // The reference, in plain code: the top 50 sections, grouped by URL without anchor, a page scored
  // by the sum of its best 3, pages by score (ties by their best section's rank).
  const expected: { url: string; score: number; sections: string[] }[][] = [];
  for (const q of QUERIES) {
    const hits = await site.index.search(await site.tokenizer!.encodeQuery(q), { limit: 50 });
    const pages: { url: string; ids: string[]; scores: number[] }[] = [];
    for (const h of hits) {
      const url = String((h.fields as { url?: string }).url ?? h.id).split('#')[0]!;
      let p = pages.find((x) => x.url === url);
      if (!p) pages.push((p = { url, ids: [], scores: [] }));
      if (p.ids.length < 3) {
        p.ids.push(h.id);
        p.scores.push(h.score);
      }
    }
    const scored = pages.map((p, k) => ({
      k,
      url: p.url,
      score: p.scores.reduce((a, b) => a + b, 0),
      sections: p.ids,
    }));
    scored.sort((a, b) => b.score - a.score || a.k - b.k);
    expected.push(scored.slice(0, 4).map(({ url, score, sections }) => ({ url, score, sections })));
  }
  await site.index.dispose();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { splade?: unknown }).splade !== undefined);
  for (const [k, q] of QUERIES.entries()) {
    requests.length = 0;
    const got = await page.evaluate(async (query) => {
      const s = (
        window as unknown as {
          splade: {
            searchPages(
              q: string,
              o: object,
            ): Promise<{ url: string; title: string; score: number; sections: { id: string; snippet?: unknown }[] }[]>;
          };
        }
      ).splade;
      // The query as the tokenizer encodes it (no completion of its last word, no word left out):
      // this test is about grouping; test/site-words.test.ts and e2e/prefix.spec.ts about the words.
      return s.searchPages(query, { limit: 4, sectionsPerPage: 3, prefix: false, matchWords: false });
    }, q);
    expect(
      got.map((p) => ({ url: p.url, score: p.score, sections: p.sections.map((h) => h.id) })),
      q,
    ).toEqual(expected[k]!.map((p) => ({ ...p, score: expect.closeTo(p.score, 5) })));
    for (const p of got) {
      expect(p.title.length, q).toBeGreaterThan(0);
      expect(p.sections[0]!.snippet, q).toBeDefined();
      for (const other of p.sections.slice(1)) expect(other.snippet, q).toBeUndefined();
    }
    // One ranged record read per page (its best section), none for the other sections.
    expect(requests.filter((r) => r.range).length, q).toBeLessThanOrEqual(got.length);
  }
});
