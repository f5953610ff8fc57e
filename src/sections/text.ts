/**
 * Plain text to the sectioner's blocks: paragraphs are runs of non-blank lines, or, for a pasted
 * list of notes, every non-blank line. Plain text has no headings, so it is one section.
 */
import { collapse } from './rules.ts';
import type { Block, ExtractedPage } from './types.ts';

export function extractText(source: string, options: { lines?: boolean; title?: string } = {}): ExtractedPage {
  const separator = options.lines ? /\r\n?|\n/ : /(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)/;
  const out: string[] = [];
  const blocks: Block[] = [];
  let length = 0;
  for (const paragraph of source.replace(/^\uFEFF/, '').split(separator)) {
    const line = collapse(paragraph);
    if (!line) continue;
    if (out.length) length += 1;
    blocks.push({ kind: 'text', start: length, end: length + line.length });
    out.push(line);
    length += line.length;
  }
  return { title: options.title ?? '', text: out.join('\n'), blocks, meta: {}, filters: {}, warnings: [] };
}
