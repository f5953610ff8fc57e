/**
 * The one rule table that decides what of a page is indexed, shared by every reader of HTML (the
 * build's htmlparser2 stream, the demo's files, the widget's live DOM). As Pagefind does it:
 * everything in the body except boilerplate and non-text elements; `data-splade-body` regions, when
 * a page has any, are all that is indexed; else the page's `main` landmark when it has one.
 */

/** Elements whose content is never text of the page (code, media, controls, the widget itself). */
export const NEVER_TEXT: ReadonlySet<string> = new Set([
  'head',
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
  'select',
  'textarea',
  'button',
  'dialog',
  'splade-search',
]);

/**
 * Site chrome, skipped unless inside a `data-splade-body` region. `header` and `footer` are chrome
 * only as the page's banner and contentinfo: inside article, main or section they belong to it
 * (an article's header often holds its h1), as ARIA maps them.
 */
export const BOILERPLATE: ReadonlySet<string> = new Set(['nav', 'aside', 'header', 'footer']);
const SECTIONING: ReadonlySet<string> = new Set(['article', 'main', 'section']);
const CHROME_ONLY_OUTSIDE_SECTIONING: ReadonlySet<string> = new Set(['header', 'footer']);

/** Elements that end a run of words: their text never glues to the next element's. */
export const BLOCK: ReadonlySet<string> = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'br',
  'caption',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'html',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

/** Elements with no content and no end tag. */
export const VOID: ReadonlySet<string> = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/** Attributes the rules read. */
export const ATTRIBUTES = {
  /** Marks the regions to index; with any on a page, nothing else of it is. */
  body: 'data-splade-body',
  /** Marks a region never indexed. */
  ignore: 'data-splade-ignore',
  /** "key:value" (or "key": the element's text) added to every section's fields. */
  meta: 'data-splade-meta',
  /** Like meta, for filtering. */
  filter: 'data-splade-filter',
} as const;

/** How the sectioner treats one element. */
export interface ElementRule {
  /** Nothing inside is page text. */
  skip: boolean;
  /** Opens a data-splade-body region. */
  body: boolean;
  /** Is the page's main landmark (main, or role=main). */
  main: boolean;
  /** Ends a run of words on both sides. */
  block: boolean;
  /** 1–6 for h1–h6, else 0. */
  level: number;
}

/** Where an element sits: what its ancestors already decided. */
export interface Context {
  skip: boolean;
  body: boolean;
  /** Inside article, main or section. */
  sectioning: boolean;
}

/** The rule for an element named `name` (lowercase) with `attributes` (names lowercase). */
export function ruleFor(name: string, attributes: Readonly<Record<string, string>>, parent: Context): ElementRule {
  const body = ATTRIBUTES.body in attributes;
  const chrome = BOILERPLATE.has(name) && !(CHROME_ONLY_OUTSIDE_SECTIONING.has(name) && parent.sectioning) && !body;
  // hidden="until-found" content is meant to be found (the browser reveals it on a find).
  const hidden =
    ('hidden' in attributes && attributes['hidden']?.trim().toLowerCase() !== 'until-found') ||
    attributes['aria-hidden']?.trim().toLowerCase() === 'true';
  // A data-splade-body region inside skipped chrome is still indexed: the author asked for it.
  const skip = (parent.skip && !body) || NEVER_TEXT.has(name) || ATTRIBUTES.ignore in attributes || chrome || hidden;
  const level = /^h[1-6]$/.test(name) ? Number(name[1]) : 0;
  const main = name === 'main' || attributes['role']?.trim().toLowerCase() === 'main';
  return { skip, body, main, block: BLOCK.has(name), level };
}

/** The context an element gives its children. */
export function childContext(name: string, rule: ElementRule, parent: Context): Context {
  return { skip: rule.skip, body: parent.body || rule.body, sectioning: parent.sectioning || SECTIONING.has(name) };
}

/** A `data-splade-meta` / `-filter` value: "key:value", or "key" to take the element's text. */
export function parseFieldSpec(spec: string): { key: string; value?: string } | undefined {
  const colon = spec.indexOf(':');
  const key = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  if (!key) return undefined;
  return colon < 0 ? { key } : { key, value: spec.slice(colon + 1).trim() };
}

/** Whitespace runs (including NBSP and the like) become one space; ends trimmed. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
