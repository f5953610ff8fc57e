/**
 * One sectioner, two adapters: the sections the widget's live-DOM walk (src/sections/dom.ts) reads
 * from a page the browser loaded equal the sections `splade-web build` reads from the same file with
 * htmlparser2 (src/sections/html.ts) — on the test site, real git-doc pages and real Korean
 * gimp-help-ko pages. The pages are served as a static host serves them and loaded for real.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { extractHtml } from '../src/sections/html.ts';
import { sectionsOf } from '../src/sections/sections.ts';
import { serveStatic } from './support/static-server.ts';

interface Comparable {
  title: string;
  sections: { anchor: string; title: string; path: string[]; text: string }[];
  meta: Record<string, string>;
  filters: Record<string, string>;
}

const SITES = [
  { name: 'the test site', dir: 'test/fixtures/site', every: 1 },
  { name: 'landmark and script pages', dir: 'e2e/fixtures/sections', every: 1 },
  { name: 'git-doc', dir: '/usr/share/doc/git-doc', every: 6, apt: 'git-doc' },
  { name: 'gimp-help-ko', dir: '/usr/share/gimp/2.0/help/ko', every: 17, apt: 'gimp-help-ko' },
];

function pagesOf(dir: string, every: number): string[] {
  // Files that are not UTF-8 text the build skips (the test site holds a PNG named .html).
  const text = (f: string) => !readFileSync(join(dir, f)).includes(0);
  const all = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.html?$/.test(f) && text(f)).sort();
  return all.filter((_, k) => k % every === 0);
}

function inNode(html: string): Comparable {
  const page = extractHtml(html);
  const sections = sectionsOf(page).map(({ anchor, title, path, text }) => ({ anchor, title, path, text }));
  return { title: page.title, sections, meta: page.meta, filters: page.filters };
}

for (const site of SITES) {
  test(`the live-DOM and htmlparser2 adapters cut ${site.name} the same way`, async ({ page, baseURL }) => {
    if (!existsSync(site.dir)) throw new Error(`${site.dir} is missing: apt-get install -y ${site.apt} (.ci/run does)`);
    const server = await serveStatic(site.dir, { isolated: false });
    const files = pagesOf(site.dir, site.every);
    expect(files.length).toBeGreaterThanOrEqual(2);
    let sections = 0;
    try {
      for (const file of files) {
        await page.goto(`${server.url}/${file.split('/').map(encodeURIComponent).join('/')}`);
        const live = await page.evaluate(async (dev) => {
          const { extractDocument } = await import(`${dev}/src/sections/dom.ts`);
          const { sectionsOf } = await import(`${dev}/src/sections/sections.ts`);
          const p = extractDocument(document);
          const s = sectionsOf(p).map(({ anchor, title, path, text }: Record<string, unknown>) => ({
            anchor,
            title,
            path,
            text,
          }));
          return { title: p.title, sections: s, meta: p.meta, filters: p.filters };
        }, baseURL!);
        const built = inNode(readFileSync(join(site.dir, file), 'utf8'));
        expect(live, file).toEqual(built);
        sections += built.sections.length;
      }
    } finally {
      await server.close();
    }
    expect(sections).toBeGreaterThan(files.length);
  });
}
