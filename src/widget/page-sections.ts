/**
 * The current page's own passages, for `<splade-search source="page">`: the sectioner that
 * `splade-web build` uses (src/sections/), fed by a walk over the live DOM, so a page gets the same
 * sections and passages from the widget as from the build. Text only: nothing is parsed as HTML.
 */
import { extractDocument } from '../sections/dom.ts';
import { encodedText, pagePassagesAsync } from '../sections/passages.ts';
import type { TokenCounter } from '../sections/cut.ts';

export interface PageSection {
  /** The heading element the section starts at (the document's body for text before the first heading). */
  target: Element;
  /** The heading's fragment ('' when it has none). */
  anchor: string;
  /** The section's heading text. */
  title: string;
  /** Headings from the top one down to the section's own. */
  path: string[];
  /** The passage's text as it is encoded. */
  text: string;
  /** 1 for the first passage of a section, 2… for the rest of a long one. */
  passage: number;
}

export interface PageSectionOptions {
  /** Read only this element (default: the whole document, whose main landmark the rules prefer). */
  root?: Element | undefined;
  /** A CSS selector of more regions to skip. */
  ignore?: string | undefined;
  /** The model's token counter (passage limits are in its tokens). */
  countTokens?: TokenCounter;
}

export async function pageSections(doc: Document, options: PageSectionOptions = {}): Promise<PageSection[]> {
  const page = extractDocument(doc, {
    ...(options.root ? { root: options.root } : {}),
    ...(options.ignore ? { ignore: options.ignore } : {}),
  });
  const passages = await pagePassagesAsync(page, options.countTokens ? { countTokens: options.countTokens } : {});
  return passages.map(({ section, passage }) => ({
    target: section.ref ?? doc.body,
    anchor: section.anchor,
    title: section.title || page.title,
    path: section.path,
    text: encodedText(section, passage),
    passage: passage.number,
  }));
}
