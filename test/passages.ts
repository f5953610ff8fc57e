/**
 * Real documentation passages for the offset and span tests: text blocks of Debian's HTML manuals
 * (git-doc: the Git manual, English; gimp-help-ko: the GIMP manual, Korean), tags stripped and
 * entities decoded. A fixed sample is kept in test/fixtures/passages/ (see its README) so the tests
 * never need the packages; `npx tsx test/fixtures/passages/make.ts` rebuilds it from them.
 */
import { readFileSync } from 'node:fs';

export interface PassageSet {
  source: string;
  license: string;
  passages: string[];
}

export function readPassages(name: 'git-doc' | 'gimp-help-ko'): PassageSet {
  return JSON.parse(readFileSync(new URL(`./fixtures/passages/${name}.json`, import.meta.url), 'utf8')) as PassageSet;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  times: '×',
  middot: '·',
  bull: '•',
  rarr: '→',
  larr: '←',
};

/** Decodes HTML character references (named ones from a short list, and all numeric ones). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[ref.toLowerCase()] ?? m;
  });
}

/** The text blocks (paragraphs, list items, code blocks, table cells) of an HTML page, tags stripped. */
export function htmlBlocks(html: string): string[] {
  const body = html.replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '');
  const blocks: string[] = [];
  for (const m of body.matchAll(/<(p|pre|li|dd|td|h[1-4])\b[^>]*>([\s\S]*?)<\/\1>/gi)) {
    const inner = m[2]!.replace(/<[^>]+>/g, '');
    const text = decodeEntities(m[1]!.toLowerCase() === 'pre' ? inner : inner.replace(/[ \t\r\n]+/g, ' ').trim());
    if (text.trim().length >= 40) blocks.push(text);
  }
  return blocks;
}
