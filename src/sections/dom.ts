/**
 * A live page's sections, for `<splade-search source="page">`: the same rules and builder as the
 * build's HTML reader (html.ts), fed by a walk over the DOM, so a page gets the same sections (and
 * vectors) from `splade-web build` and from the widget. Text only: nothing is parsed as HTML.
 */
import { SectionBuilder } from './builder.ts';
import { ATTRIBUTES } from './rules.ts';
import type { ExtractedPage } from './types.ts';

export interface DomOptions {
  /** Walk only this element (the page's title still comes from the document). */
  root?: Element;
  /** A CSS selector of more regions to skip, as if they were marked data-splade-ignore. */
  ignore?: string;
}

/** The document's text and blocks; each heading block's `ref` is its element. */
export function extractDocument(doc: Document, options: DomOptions = {}): ExtractedPage<Element> {
  const builder = new SectionBuilder<Element>();
  const visit = (node: Node): void => {
    if (node.nodeType === 3 /* TEXT_NODE */) {
      builder.text(node.nodeValue ?? '');
      return;
    }
    if (node.nodeType !== 1 /* ELEMENT_NODE */) return;
    const element = node as Element;
    const name = element.localName.toLowerCase();
    const attributes: Record<string, string> = {};
    for (const a of Array.from(element.attributes)) attributes[a.name.toLowerCase()] = a.value;
    if (options.ignore && element.matches(options.ignore)) attributes[ATTRIBUTES.ignore] = '';
    builder.open(name, attributes, element);
    for (let child = element.firstChild; child; child = child.nextSibling) visit(child);
    builder.close(name);
  };
  const root = options.root ?? doc.documentElement;
  visit(root);
  const page = builder.finish();
  if (options.root) page.title = doc.title.replace(/\s+/g, ' ').trim() || page.title;
  return page;
}
