/**
 * A page's blocks grouped under their headings. A section runs from its heading to the next heading
 * of any level; its text starts with the heading line, so the heading's words are indexed with the
 * text they name. Text before the first heading belongs to the page and takes its title.
 */
import type { ExtractedPage, Section } from './types.ts';

export function sectionsOf<Ref>(page: ExtractedPage<Ref>): Section<Ref>[] {
  const out: Section<Ref>[] = [];
  const headings: { level: number; title: string }[] = [];
  let current: Omit<Section<Ref>, 'start' | 'end' | 'text'> & { start: number; end: number } = {
    anchor: '',
    title: '',
    path: page.title ? [page.title] : [],
    start: -1,
    end: -1,
  };
  const flush = () => {
    if (current.start < 0) return;
    out.push({ ...current, text: page.text.slice(current.start, current.end) });
  };
  for (const block of page.blocks) {
    if (block.kind === 'text') {
      if (current.start < 0) current.start = block.start;
      current.end = block.end;
      continue;
    }
    flush();
    const title = page.text.slice(block.start, block.end);
    while (headings.length && headings[headings.length - 1]!.level >= block.level) headings.pop();
    headings.push({ level: block.level, title });
    // A heading with nothing under it still names a place a reader may look for.
    current = { anchor: block.anchor, title, path: headings.map((h) => h.title), start: block.start, end: block.end };
    if (block.ref !== undefined) current.ref = block.ref;
  }
  flush();
  return out;
}
