/**
 * How pages are ranked from sections, compared on bench:docs' queries over the index it built
 * (`npm run bench:docs` first): for each way of scoring a page from its sections among the top 100,
 * how often a wanted page is in the top 5. `npx tsx bench/page-ranking.ts [index folder]`.
 * This is how searchPages' "sum of the best 3 sections" was chosen (DESIGN.md: Pages from sections).
 */
import { join } from 'node:path';
import { openBuiltSite } from '../src/cli/export.ts';
import { QUERIES } from './docs-queries.mjs';

const dir = process.argv[2] ?? join(import.meta.dirname, '..', '.cache', 'bench-docs', 'out-splade');
const site = await openBuiltSite(dir);
const pageOf = (url: string) => url.replace(/#.*$/, '').replace(/^\/?(docs\/)?/, '');
const sum = (s: number[]) => s.reduce((a, b) => a + b, 0);
const ways: Record<string, (scores: number[]) => number> = {
  'best section': (s) => s[0]!,
  'sum of best 3': (s) => sum(s.slice(0, 3)),
  'sum of all': sum,
};
const found: Record<string, number> = { sections: 0, ...Object.fromEntries(Object.keys(ways).map((w) => [w, 0])) };
try {
  for (const [query, wanted] of QUERIES) {
    const hits = await site.index.search((await site.encodeQuery(query)) as never, { limit: 100 });
    const pages = hits.map((h) => pageOf(String((h.fields as { url?: string }).url ?? h.id)));
    const inTop5 = (top: string[]) => top.slice(0, 5).some((p) => wanted.includes(p));
    if (inTop5(pages)) found['sections']!++;
    const byPage = new Map<string, number[]>();
    hits.forEach((h, k) => byPage.set(pages[k]!, [...(byPage.get(pages[k]!) ?? []), h.score]));
    for (const [name, score] of Object.entries(ways)) {
      const ranked = [...byPage]
        .map(([p, s], k) => ({ p, k, v: score(s) }))
        .sort((a, b) => b.v - a.v || a.k - b.k)
        .map((x) => x.p);
      if (inTop5(ranked)) found[name]!++;
    }
  }
} finally {
  await site.close();
}
for (const [name, n] of Object.entries(found))
  console.log(
    `${name.padEnd(14)} ${n} / ${QUERIES.length} queries with a wanted page in the top 5${name === 'sections' ? ' (sections, not pages)' : ''}`,
  );
