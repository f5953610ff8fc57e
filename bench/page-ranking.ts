/**
 * How searchPages scores a page from its sections (its pageScoring option), compared on the sites
 * bench:docs built, through the query runtime itself (src/site/runtime.ts in Node, over a local
 * static server): for each scoring, how often a wanted page is in the top 5, for each query whole
 * and for every prefix of it as typed (as bench:docs' search-as-you-type section counts them).
 * `npx tsx bench/page-ranking.ts` (run `npm run bench:docs -- --site <site>` first for each site).
 * This is how searchPages' defaults were chosen (DESIGN.md: Pages from sections).
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import * as runtime from '../src/site/runtime.ts';
import { DEBIAN_QUERIES, POSTGRESQL_QUERIES, QUERIES, typedPrefixes } from './docs-queries.mjs';

const cache = join(import.meta.dirname, '..', '.cache');
const SITES: [name: string, out: string, queries: readonly (readonly [string, readonly string[], ...unknown[]])[]][] = [
  ['git-doc', join(cache, 'bench-docs', 'out-splade'), QUERIES],
  ['postgresql', join(cache, 'bench-docs-postgresql', 'out-splade'), POSTGRESQL_QUERIES],
  ['debian', join(cache, 'bench-docs-debian', 'out-splade'), DEBIAN_QUERIES],
];
const SCORINGS: [string, runtime.PageScoring][] = [
  ['best section alone', { laterSection: 0, leadSection: 0 }],
  ['sum of best 3', { laterSection: 1, leadSection: 0 }],
  ['best 3, 0.75 each further', { laterSection: 0.75, leadSection: 0 }],
  ['+ lead section x0.5', { laterSection: 0.75, leadSection: 0.5 }],
  ['+ lead section x1 (default)', { laterSection: 0.75, leadSection: 1 }],
  ['sum of best 3 + lead x1', { laterSection: 1, leadSection: 1 }],
];

/** The page a result URL names, as bench:docs' queries name wanted pages (path under the site). */
const pageOf = (url: string) =>
  decodeURIComponent(new URL(url, 'http://site/').pathname).replace(/^\//, '').replace(/~\d+$/, '');

for (const [name, out, queries] of SITES) {
  if (!existsSync(join(out, 'splade-entry.json'))) {
    console.log(`${name}: not built (npm run bench:docs -- --site ${name}), skipped`);
    continue;
  }
  const server = createServer((req, res) => {
    const path = normalize(join(out, decodeURIComponent(new URL(req.url ?? '/', 'http://site/').pathname)));
    if (!path.startsWith(out + sep) || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.end(readFileSync(path));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  runtime.configure({ base: `http://127.0.0.1:${port}/`, cacheName: null });
  const prefixes = queries.reduce((n, [q]) => n + typedPrefixes(q).length, 0);
  console.log(`\n${name}: ${queries.length} queries, ${prefixes} prefixes as typed; wanted page in the top 5`);
  for (const [label, pageScoring] of SCORINGS) {
    const found = async (text: string, wanted: readonly string[]) =>
      (await runtime.searchPages(text, { limit: 5, pageScoring })).some((p) => wanted.includes(pageOf(p.url)));
    let whole = 0;
    let typed = 0;
    for (const [query, wanted] of queries) {
      if (await found(query, wanted)) whole++;
      for (const prefix of typedPrefixes(query)) if (await found(prefix, wanted)) typed++;
    }
    console.log(
      `  ${label.padEnd(28)} queries ${String(whole).padStart(2)} / ${queries.length}   prefixes ${String(typed).padStart(3)} / ${prefixes}`,
    );
  }
  server.close();
}
