/**
 * Sections of a built HTML page: the page is cut at every heading (h1-h6), each section with its
 * anchor, title and heading path. Structure comes from a real HTML parser (htmlparser2's streaming
 * tokenizer, which closes implied tags the way browsers do), never from regular expressions.
 *
 * What is indexed, as Pagefind does it: everything in <body> except nav, header, footer, script,
 * style and the like; regions marked `data-splade-ignore` are skipped; when a page marks regions
 * with `data-splade-body`, only those are indexed. `data-splade-meta` and `data-splade-filter`
 * ("key:value", or "key" to take the element's text) become fields of the page's sections.
 */
import { Parser } from 'htmlparser2';

export interface Section {
  /** Fragment of the section's heading (its id, or an id just before it), '' for the page top. */
  anchor: string;
  /** The heading's text ('' for text before the first heading). */
  title: string;
  /** Titles of the enclosing headings, outermost first, ending with this section's own. */
  path: string[];
  /** The section's text (heading first), whitespace collapsed. */
  text: string;
}

export interface Page {
  title: string;
  sections: Section[];
  /** data-splade-meta values: fields of every section of the page. */
  meta: Record<string, string>;
  /** data-splade-filter values. */
  filters: Record<string, string>;
  /** Problems worth a warning (the page is still indexed). */
  warnings: string[];
}

/** Elements whose content is never text of the page. */
const NEVER_TEXT = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'select', 'textarea', 'button']);
/** Boilerplate regions skipped unless they sit inside a data-splade-body region. */
const BOILERPLATE = new Set(['nav', 'header', 'footer', 'aside']);
/** Elements that end a run of words: their text never glues to the next element's. */
const BLOCK = new Set(['address', 'article', 'blockquote', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'main', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'caption', 'body', 'html', 'img']);
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

interface Open {
  name: string;
  skip: boolean;
  body: boolean;
  id?: string;
  /** A data-splade-meta / -filter "key" waiting for the element's text. */
  capture?: { kind: 'meta' | 'filters'; key: string; text: string[] };
}

type Event = { kind: 'text'; text: string; skip: boolean; body: boolean } | { kind: 'heading'; level: number; anchor: string; text: string; body: boolean; skip: boolean } | { kind: 'break' };

/** Splits one page's HTML into sections. Never throws on malformed markup (browsers do not either). */
export function extractPage(html: string): Page {
  const stack: Open[] = [];
  const events: Event[] = [];
  const meta: Record<string, string> = {};
  const filters: Record<string, string> = {};
  const warnings: string[] = [];
  let title = '';
  let inTitle = false;
  let heading: { level: number; anchor: string; text: string[]; skip: boolean; body: boolean; depth: number } | undefined;
  let lastId = '';
  let anyBody = false;
  const finishHeading = () => {
    if (!heading) return;
    // A heading without its own id takes the id just before it (an enclosing section's, or <a id>).
    const anchor = heading.anchor || lastId;
    events.push({ kind: 'heading', level: heading.level, anchor, text: collapse(heading.text.join('')), body: heading.body, skip: heading.skip });
    heading = undefined;
  };
  const skipping = () => stack.length > 0 && stack[stack.length - 1]!.skip;
  const inBody = () => stack.length > 0 && stack[stack.length - 1]!.body;

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const parent = stack[stack.length - 1];
        const body = (parent?.body ?? false) || 'data-splade-body' in attribs;
        if ('data-splade-body' in attribs) anyBody = true;
        // A data-splade-body region inside boilerplate is still indexed: the author asked for it.
        let skip = (parent?.skip ?? false) && !('data-splade-body' in attribs);
        if (NEVER_TEXT.has(name) || 'data-splade-ignore' in attribs || (BOILERPLATE.has(name) && !('data-splade-body' in attribs)) || name === 'head') skip = true;
        if (name === 'title' && !title && stack.every((o) => o.name !== 'body' && o.name !== 'svg')) inTitle = true;
        const open: Open = { name, skip, body };
        const id = attribs['id'] ?? (name === 'a' ? attribs['name'] : undefined);
        if (id && !skip) {
          open.id = id;
          lastId = id;
          if (heading && !heading.anchor) heading.anchor = id; // <h2><a id="x"></a>Title</h2>
        }
        for (const kind of ['meta', 'filters'] as const) {
          const spec = attribs[kind === 'meta' ? 'data-splade-meta' : 'data-splade-filter'];
          if (spec === undefined) continue;
          const colon = spec.indexOf(':');
          const key = (colon < 0 ? spec : spec.slice(0, colon)).trim();
          if (!key) {
            warnings.push(`data-splade-${kind === 'meta' ? 'meta' : 'filter'}="${spec}" names no key; expected "key" or "key:value"`);
            continue;
          }
          const target = kind === 'meta' ? meta : filters;
          if (colon >= 0) target[key] = spec.slice(colon + 1).trim();
          else open.capture = { kind, key, text: [] };
        }
        const level = /^h[1-6]$/.test(name) ? Number(name[1]) : 0;
        // An unclosed heading ends where a paragraph or another heading starts (broken markup
        // would otherwise make the rest of the page one long title).
        if (heading && (level || name === 'p')) finishHeading();
        if (BLOCK.has(name)) events.push({ kind: 'break' });
        if (level && !heading) heading = { level, anchor: id ?? '', text: [], skip, body, depth: stack.length };
        if (VOID.has(name)) {
          if (name === 'img' && !skip && attribs['alt']) events.push({ kind: 'text', text: attribs['alt'], skip, body });
          return;
        }
        stack.push(open);
      },
      ontext(data) {
        if (inTitle) {
          title += data;
          return;
        }
        for (const o of stack) o.capture?.text.push(data);
        if (heading) heading.text.push(data);
        else events.push({ kind: 'text', text: data, skip: skipping(), body: inBody() });
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (VOID.has(name)) return;
        // Pop to the matching element (htmlparser2 reports implied closes one by one).
        const at = stack.map((o) => o.name).lastIndexOf(name);
        if (at < 0) return;
        while (stack.length > at) {
          const o = stack.pop()!;
          if (o.capture) {
            const value = collapse(o.capture.text.join(' '));
            if (value) (o.capture.kind === 'meta' ? meta : filters)[o.capture.key] = value;
          }
          if (heading && stack.length === heading.depth && /^h[1-6]$/.test(o.name)) finishHeading();
        }
        if (BLOCK.has(name)) events.push({ kind: 'break' });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  finishHeading();

  const keep = (e: { skip: boolean; body: boolean }) => !e.skip && (!anyBody || e.body);
  const sections: Section[] = [];
  const headings: { level: number; title: string }[] = [];
  let current: Section = { anchor: '', title: '', path: [], text: '' };
  let parts: string[] = [];
  const flush = () => {
    const body = collapse(parts.join(''));
    parts = [];
    const text = current.title ? (body ? `${current.title}\n${body}` : current.title) : body;
    // A heading with nothing under it still names a place a reader may look for.
    if (text) sections.push({ ...current, text });
  };
  for (const e of events) {
    if (e.kind === 'break') parts.push(' ');
    else if (e.kind === 'text') {
      if (keep(e)) parts.push(e.text);
    } else if (keep(e) && e.text) {
      flush();
      while (headings.length && headings[headings.length - 1]!.level >= e.level) headings.pop();
      headings.push({ level: e.level, title: e.text });
      current = { anchor: e.anchor, title: e.text, path: headings.map((h) => h.title), text: '' };
    }
  }
  flush();
  title = collapse(title) || sections.find((s) => s.title)?.title || '';
  // Text before the first heading belongs to the page: it takes the page's title.
  for (const s of sections) if (!s.title) s.path = title ? [title] : [];
  return { title, sections, meta, filters, warnings };
}

/** Whitespace runs (including NBSP and the like) become one space; ends trimmed. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
