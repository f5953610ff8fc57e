/**
 * What the sectioner produces, whatever the source (built HTML through htmlparser2, a live DOM,
 * Markdown, plain text): one extracted text per page, and blocks and sections as character ranges
 * of it. Ranges, not copies, so a passage's text is always the exact slice a highlight points into.
 */

/** A heading or a run of text, as a range of `ExtractedPage.text`. */
export type Block<Ref = never> =
  | {
      kind: 'heading';
      level: number;
      /** Fragment that links to the heading ('' when the page gives none). */
      anchor: string;
      start: number;
      end: number;
      /** The source's handle on the heading (the live DOM adapter: its element). */
      ref?: Ref;
    }
  | { kind: 'text'; start: number; end: number };

export interface ExtractedPage<Ref = never> {
  /** The page's title: <title>, front matter, else its first heading; '' when it has none. */
  title: string;
  /** The page's text: one line per block, whitespace inside a block collapsed. */
  text: string;
  blocks: Block<Ref>[];
  /** data-splade-meta values: fields of every section of the page. */
  meta: Record<string, string>;
  /** data-splade-filter values. */
  filters: Record<string, string>;
  /** Problems worth a warning (the page is still indexed). */
  warnings: string[];
}

/** The text under one heading (or before the first), heading line first. */
export interface Section<Ref = never> {
  /** Fragment of the section's heading, '' for the page top or a heading without one. */
  anchor: string;
  /** The heading's text ('' for text before the first heading). */
  title: string;
  /** Titles of the enclosing headings, outermost first, ending with this section's own; the page title for text before the first heading. */
  path: string[];
  /** Range of `ExtractedPage.text`. */
  start: number;
  end: number;
  /** `page.text.slice(start, end)`. */
  text: string;
  /** The heading's `ref` (undefined for text before the first heading). */
  ref?: Ref;
}

/** A piece of a section that fits the passage limit. */
export interface Passage {
  /** Range of the page's text; `text` is that slice. */
  start: number;
  end: number;
  text: string;
  /** 1 for a section's first passage, 2… for the rest of a long one. */
  number: number;
}
