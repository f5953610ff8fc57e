/**
 * Sections of a Markdown page: cut at ATX headings (`#` to `######`) outside fenced code, anchors
 * as GitHub and most static-site generators slug them. Markdown is line-structured, so lines are
 * read one by one; inline syntax is reduced to its text (links keep their label, not their URL).
 */
import { collapse, type Page, type Section } from './html.ts';

export function extractMarkdown(source: string): Page {
  const lines = source.replace(/^\uFEFF/, '').split(/\r\n?|\n/);
  let start = 0;
  // YAML front matter: its `title:` names the page.
  let title = '';
  if (lines[0] === '---') {
    const end = lines.indexOf('---', 1);
    if (end > 0) {
      for (const l of lines.slice(1, end)) {
        const m = /^title:\s*(.*)$/.exec(l);
        if (m) title = m[1]!.replace(/^["']|["']$/g, '').trim();
      }
      start = end + 1;
    }
  }
  const sections: Section[] = [];
  const headings: { level: number; title: string }[] = [];
  const slugs = new Map<string, number>();
  let current: Section = { anchor: '', title: '', path: [], text: '' };
  let body: string[] = [];
  let fence = '';
  const flush = () => {
    const text = collapse(body.join(' '));
    body = [];
    const full = current.title ? (text ? `${current.title}\n${text}` : current.title) : text;
    if (full) sections.push({ ...current, text: full });
  };
  for (const line of lines.slice(start)) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (!fence) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = '';
      continue;
    }
    const h = fence ? null : /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) {
      body.push(fence ? line : inline(line));
      continue;
    }
    flush();
    const level = h[1]!.length;
    const text = collapse(inline(h[2]!));
    while (headings.length && headings[headings.length - 1]!.level >= level) headings.pop();
    headings.push({ level, title: text });
    let slug = slugOf(text);
    const seen = slugs.get(slug) ?? 0;
    slugs.set(slug, seen + 1);
    if (seen) slug = `${slug}-${seen}`;
    current = { anchor: slug, title: text, path: headings.map((x) => x.title), text: '' };
  }
  flush();
  title ||= sections.find((s) => s.title)?.title ?? '';
  for (const s of sections) if (!s.title) s.path = title ? [title] : [];
  return { title, sections, meta: {}, filters: {}, warnings: [] };
}

/** Inline Markdown to its text: images and links keep their label, emphasis and code marks go. */
function inline(line: string): string {
  return line
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .replace(/^\s*(?:[-+*]|\d+[.)]|>)\s+/, '');
}

/** GitHub's heading slug: lowercase, punctuation dropped, spaces as hyphens. */
export function slugOf(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
}
