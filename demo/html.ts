/**
 * Text of an HTML file, as headings and paragraphs. The file is parsed with DOMParser into a
 * document that has no browsing context: its scripts never run, its images and styles never load,
 * its handlers never fire. Only text is read out of it (textContent); no node of it is adopted.
 */
import { joinBlocks, withoutInlineStyles, type Block } from './passages.ts';

const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'SVG', 'MATH', 'IFRAME', 'OBJECT', 'CANVAS', 'SELECT', 'BUTTON', 'NAV']);
const BLOCK = new Set(['P', 'DIV', 'LI', 'UL', 'OL', 'DL', 'DT', 'DD', 'PRE', 'BLOCKQUOTE', 'TABLE', 'TR', 'TD', 'TH', 'THEAD', 'TBODY', 'SECTION', 'ARTICLE', 'MAIN', 'ASIDE', 'HEADER', 'FOOTER', 'FIGURE', 'FIGCAPTION', 'FORM', 'FIELDSET', 'ADDRESS', 'DETAILS', 'SUMMARY', 'HR', 'BR', 'CAPTION']);

export function htmlToBlocks(source: string): { title: string | undefined; text: string; blocks: Block[] } {
  const doc = new DOMParser().parseFromString(withoutInlineStyles(source), 'text/html');
  const parts: ({ kind: 'heading'; level: number; text: string } | { kind: 'text'; text: string })[] = [];
  let inline = '';
  let pre = false;
  const flush = () => {
    const t = pre ? inline.replace(/^\n+|\s+$/g, '') : inline.replace(/\s+/g, ' ').trim();
    if (t) parts.push({ kind: 'text', text: t });
    inline = '';
  };
  const walk = (node: Node) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE) {
        inline += child.textContent ?? '';
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const el = child as Element;
      const tag = el.tagName.toUpperCase();
      if (SKIP.has(tag) || el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') continue;
      const heading = /^H([1-6])$/.exec(tag);
      if (heading) {
        flush();
        parts.push({ kind: 'heading', level: Number(heading[1]), text: (el.textContent ?? '').replace(/\s+/g, ' ').trim() });
      } else if (tag === 'PRE') {
        flush();
        pre = true;
        inline = el.textContent ?? '';
        flush();
        pre = false;
      } else if (BLOCK.has(tag)) {
        flush();
        walk(el);
        flush();
      } else walk(el);
    }
  };
  if (doc.body) walk(doc.body);
  flush();
  const docTitle = doc.querySelector('title')?.textContent?.replace(/\s+/g, ' ').trim();
  const h1 = parts.find((p) => p.kind === 'heading' && p.level === 1)?.text;
  const { text, blocks } = joinBlocks(parts);
  return { title: docTitle || h1 || undefined, text, blocks };
}
