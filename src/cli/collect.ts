/**
 * The build's first stage: a site's pages → the sections (and passages) the index holds, through
 * the library's one sectioner (src/sections/), the same one the widget runs over a live page.
 * Passage limits are in tokens of the model that encodes them.
 */
import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { Fields } from '../results/hits.ts';
import type { TokenCounter } from '../sections/cut.ts';
import { extractHtml } from '../sections/html.ts';
import { extractMarkdown } from '../sections/markdown.ts';
import { encodedText, pagePassages } from '../sections/passages.ts';

/** One indexed passage: its id (the section's URL), the text encoded, and its stored fields. */
export interface SectionDoc {
  id: string;
  text: string;
  fields: Fields;
}

export interface CollectedSections {
  docs: SectionDoc[];
  /** Pages that gave at least one section. */
  pages: number;
  /**
   * Sections (docs) per page, in order: docs of one page are consecutive, so this is the site's
   * page table (src/index/store/pack.ts PageTable). Pages that share a URL (a.md beside a.html)
   * are one page here, as searchPages groups them.
   */
  sectionsPerPage: number[];
  skipped: { file: string; why: string }[];
  warnings: string[];
}

/**
 * Sections of `files` (paths under `site`), with URLs under `baseUrl`. A file that is not UTF-8
 * text, or has nothing to index, is skipped with the reason; it never fails the build.
 */
export async function collectSections(
  site: string,
  files: readonly string[],
  baseUrl: string,
  countTokens: TokenCounter,
): Promise<CollectedSections> {
  const out: CollectedSections = { docs: [], pages: 0, sectionsPerPage: [], skipped: [], warnings: [] };
  let lastUrl: string | undefined;
  for (const file of files) {
    const rel = relative(site, file).split(sep).join('/');
    const bytes = await readFile(file);
    let source: string;
    try {
      if (bytes.includes(0)) throw new Error('binary');
      source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      out.skipped.push({ file: rel, why: 'is not UTF-8 text (binary, or another encoding)' });
      continue;
    }
    const markdown = /\.md$/i.test(file);
    const page = markdown ? extractMarkdown(source) : extractHtml(source);
    for (const w of page.warnings) out.warnings.push(`${rel}: ${w}`);
    // Long sections are indexed as passages (same URL and heading path): each gets its own vector,
    // so one long section does not match every query, and a hit's stored data stays a passage.
    const passages = pagePassages(page, { countTokens });
    if (passages.length === 0) {
      out.skipped.push({
        file: rel,
        why: 'has no text to index (empty, or all of it inside nav/header/footer/data-splade-ignore)',
      });
      continue;
    }
    out.pages++;
    const url = baseUrl + (markdown ? rel.replace(/\.md$/i, '.html') : rel);
    if (url === lastUrl) out.sectionsPerPage[out.sectionsPerPage.length - 1]! += passages.length;
    else out.sectionsPerPage.push(passages.length);
    lastUrl = url;
    const seen = new Map<string, number>();
    let sectionId = '';
    let sectionFields: Fields = {};
    let link = url;
    for (const { section, passage } of passages) {
      if (passage.number === 1) {
        link = section.anchor ? `${url}#${encodeURIComponent(section.anchor).replace(/%2F/g, '/')}` : url;
        const n = (seen.get(link) ?? 0) + 1;
        seen.set(link, n);
        sectionFields = { ...page.meta, ...page.filters, path: section.path };
        // Ids are URLs; two sections at one URL (headings without ids) get a suffix, and keep their URL.
        if (n > 1) sectionFields['url'] = link;
        if (page.title && section.path[0] !== page.title) sectionFields['page'] = page.title;
        sectionId = n > 1 ? `${link}~${n}` : link;
      }
      const text = encodedText(section, passage);
      if (passage.number === 1) out.docs.push({ id: sectionId, text, fields: sectionFields });
      else
        out.docs.push({
          id: `${sectionId}~p${passage.number}`,
          text,
          fields: { ...sectionFields, url: link, passage: passage.number },
        });
    }
  }
  return out;
}
