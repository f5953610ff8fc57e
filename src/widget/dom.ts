/**
 * The only way the widget (and the demo) makes DOM: createElement + textContent + setAttribute.
 * Indexed text, page text and titles are hostile, so nothing here parses HTML, and attributes that
 * would run code (on*) or navigate or load (href, src, ...) are refused outright.
 */
import { SpladeError } from '../errors.ts';

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

const FORBIDDEN_ATTR = /^(on|href$|src$|srcdoc$|action$|formaction$|style$|xlink:)/i;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (FORBIDDEN_ATTR.test(name)) {
      throw new SpladeError(
        'invalid-input',
        `h() refuses the attribute ${name}: it could run or load something; set text and inert attributes only`,
      );
    }
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, listener] of Object.entries(props.on ?? {})) el.addEventListener(type, listener as EventListener);
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** A span of a text to mark, with what the mark carries (data-* attributes) and its classes. */
export interface Mark {
  start: number;
  end: number;
  class?: string;
  data?: Record<string, string>;
  title?: string;
}

/**
 * `text` as text nodes with <mark> elements at the given spans (offsets into `text`). Overlapping
 * spans: the earlier (then longer) one wins, so every mark is exactly one of the spans given.
 */
export function markedText(text: string, marks: readonly Mark[]): DocumentFragment {
  const out = document.createDocumentFragment();
  const sorted = [...marks]
    .filter((m) => m.end > m.start && m.start >= 0 && m.end <= text.length)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let at = 0;
  for (const m of sorted) {
    if (m.start < at) continue;
    if (m.start > at) out.appendChild(document.createTextNode(text.slice(at, m.start)));
    // Where the mark is in `text`: what the demo's tests check against the tokenizer's offsets.
    const attrs: Record<string, string> = { 'data-start': String(m.start), 'data-end': String(m.end) };
    for (const [k, v] of Object.entries(m.data ?? {})) attrs[`data-${k}`] = v;
    if (m.title) attrs['title'] = m.title;
    out.appendChild(h('mark', { ...(m.class ? { class: m.class } : {}), attrs }, text.slice(m.start, m.end)));
    at = m.end;
  }
  if (at < text.length) out.appendChild(document.createTextNode(text.slice(at)));
  return out;
}

/** Is the key event's real target somewhere the reader types (so "/" is a character, not a shortcut)? */
export function typingTarget(e: Event): boolean {
  const el = e.composedPath()[0];
  if (!(el instanceof HTMLElement)) return false;
  return (
    el.isContentEditable ||
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    (el instanceof HTMLInputElement &&
      !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(el.type))
  );
}
