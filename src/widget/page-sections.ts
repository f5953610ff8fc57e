/**
 * The current page's own sections, for `<splade-search source="page">`: the text under each heading
 * (h1–h6) of the page's main content, with its heading path and the heading element to scroll to.
 * Skipped as `splade-web build` skips them: nav, header, footer, aside, [data-splade-ignore], hidden
 * and non-text elements, and the widget itself. Text only (textContent): nothing is parsed as HTML.
 */
import { passagesOf } from '../encode/passages.ts';

export interface PageSection {
  /** The heading element the section starts at (the root, for text before the first heading). */
  target: Element;
  /** The section's heading text. */
  title: string;
  /** Headings from the top one down to the section's own. */
  path: string[];
  text: string;
  /** 1 for the first passage of a section, 2… for the rest of a long one. */
  passage: number;
}

const BLOCK = /^(P|DIV|LI|UL|OL|DL|DT|DD|TD|TH|TR|TABLE|PRE|BR|HR|BLOCKQUOTE|SECTION|ARTICLE|MAIN|FIGURE|FIGCAPTION|DETAILS|SUMMARY|CAPTION|ADDRESS)$/;
const SKIPPED = 'nav,header,footer,aside,script,style,noscript,template,svg,math,iframe,object,canvas,dialog,select,button,splade-search,[hidden],[aria-hidden=true],[data-splade-ignore]';

/** Where a page's content is: the given root, or main / [role=main] / article / body. */
export function contentRoot(doc: Document = document): Element {
  return doc.querySelector('main, [role=main]') ?? doc.querySelector('article') ?? doc.body;
}

export function pageSections(root: Element = contentRoot(), ignore?: string): PageSection[] {
  const skip = ignore ? `${SKIPPED},${ignore}` : SKIPPED;
  const doc = root.ownerDocument;
  const pageTitle = doc.title.trim();
  const clean = (s: string) => s.replace(/\s+/g, ' ').trim();
  const out: PageSection[] = [];
  const stack: { level: number; title: string }[] = [];
  let current = { target: root, title: pageTitle, path: pageTitle ? [pageTitle] : [], parts: [] as string[] };
  const flush = () => {
    const text = clean(current.parts.join(''));
    if (text) passagesOf(text).forEach((t, k) => out.push({ target: current.target, title: current.title, path: current.path, text: k === 0 ? t : `${current.title}: ${t}`, passage: k + 1 }));
  };
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => (node instanceof Element && node !== root && node.matches(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  let heading: Element | null = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node instanceof Element) {
      const level = /^H([1-6])$/.exec(node.tagName)?.[1];
      const title = level ? clean(node.textContent ?? '') : '';
      if (!title) {
        if (BLOCK.test(node.tagName)) current.parts.push(' '); // words in separate blocks stay separate words
        continue;
      }
      flush();
      while (stack.length && stack[stack.length - 1]!.level >= Number(level)) stack.pop();
      stack.push({ level: Number(level), title });
      current = { target: node, title, path: stack.map((s) => s.title), parts: [] };
      heading = node;
      continue;
    }
    // The heading's own text is the section's title, not its body.
    if (heading?.contains(node)) continue;
    const text = node.nodeValue ?? '';
    current.parts.push(text);
  }
  flush();
  return out;
}
