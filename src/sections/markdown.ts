/**
 * Markdown to the sectioner's blocks: ATX headings (`#` to `######`) and setext headings (a line
 * underlined by `===` or `---`), fenced code kept as text (a `#` inside a fence is no heading),
 * paragraphs between blank lines, a YAML front matter whose `title:` names the page. Inline syntax
 * is reduced to its text (links and images keep their label, not their URL), so the index holds
 * what a reader reads. Anchors are slugged as GitHub and most static-site generators do.
 */
import { collapse } from './rules.ts';
import type { Block, ExtractedPage } from './types.ts';

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;

export function extractMarkdown(source: string): ExtractedPage {
  const lines = source.replace(/^\uFEFF/, '').split(/\r\n?|\n/);
  let k = 0;
  let title = '';
  if (lines.length && /^---\s*$/.test(lines[0]!)) {
    const close = lines.findIndex((l, j) => j > 0 && /^(---|\.\.\.)\s*$/.test(l));
    if (close > 0) {
      for (const l of lines.slice(1, close)) {
        const m = /^title:\s*(.*)$/.exec(l);
        if (m) title = m[1]!.replace(/^["']|["']$/g, '').trim();
      }
      k = close + 1;
    }
  }
  const out: string[] = [];
  const blocks: Block[] = [];
  let length = 0;
  const add = (line: string): { start: number; end: number } => {
    if (out.length) length += 1;
    const start = length;
    out.push(line);
    length += line.length;
    return { start, end: length };
  };
  const slugs = new Map<string, number>();
  const heading = (level: number, raw: string) => {
    const text = collapse(plainInline(raw));
    if (!text) return;
    let anchor = slugOf(text);
    const seen = slugs.get(anchor) ?? 0;
    slugs.set(anchor, seen + 1);
    if (seen) anchor = `${anchor}-${seen}`;
    blocks.push({ kind: 'heading', level, anchor, ...add(text) });
  };
  let paragraph: string[] = [];
  const flush = () => {
    const text = collapse(paragraph.map(plainInline).join(' '));
    paragraph = [];
    if (text) blocks.push({ kind: 'text', ...add(text) });
  };
  for (; k < lines.length; k++) {
    const line = lines[k]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1]!;
      const code: string[] = [];
      for (k++; k < lines.length && !lines[k]!.trimStart().startsWith(marker); k++) code.push(lines[k]!);
      const text = collapse(code.join(' '));
      if (text) blocks.push({ kind: 'text', ...add(text) });
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      heading(atx[1]!.length, atx[2] ?? '');
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    // Setext: a one-line paragraph underlined by === (level 1) or --- (level 2).
    const next = lines[k + 1] ?? '';
    if (paragraph.length === 0 && SETEXT_UNDERLINE.test(next)) {
      heading(next.trim()[0] === '=' ? 1 : 2, line.trim());
      k++;
      continue;
    }
    paragraph.push(line);
  }
  flush();
  const first = blocks.find((b) => b.kind === 'heading');
  title ||= first ? out.join('\n').slice(first.start, first.end) : '';
  return { title, text: out.join('\n'), blocks, meta: {}, filters: {}, warnings: [] };
}

/** Inline Markdown to its text: images and links keep their label, emphasis and code marks go. */
export function plainInline(line: string): string {
  return line
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .replace(/^\s*(?:[-+*]|\d+[.)]|>)\s+/, '');
}

/** GitHub's heading slug: lowercase, punctuation dropped, spaces as hyphens. */
export function slugOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}
