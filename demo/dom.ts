/**
 * The only way the demo makes DOM: createElement + textContent + setAttribute. Indexed text, file
 * names and titles are hostile (an XSS corpus is part of the tests), so nothing here parses HTML,
 * and attributes that would run code (on*) or navigate (href, src) are refused outright.
 */

type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

const FORBIDDEN_ATTR = /^(on|href$|src$|srcdoc$|action$|formaction$|style$)/i;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (FORBIDDEN_ATTR.test(name)) throw new Error(`demo/dom.ts refuses the attribute ${name}: it could run or load something`);
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

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: #${id} is missing from index.html`);
  return el as T;
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
  const sorted = [...marks].filter((m) => m.end > m.start && m.start >= 0 && m.end <= text.length).sort((a, b) => a.start - b.start || b.end - a.end);
  let at = 0;
  for (const m of sorted) {
    if (m.start < at) continue;
    if (m.start > at) out.appendChild(document.createTextNode(text.slice(at, m.start)));
    const attrs: Record<string, string> = { 'data-start': String(m.start), 'data-end': String(m.end) };
    for (const [k, v] of Object.entries(m.data ?? {})) attrs[`data-${k}`] = v;
    if (m.title) attrs['title'] = m.title;
    out.appendChild(h('mark', { ...(m.class ? { class: m.class } : {}), attrs }, text.slice(m.start, m.end)));
    at = m.end;
  }
  if (at < text.length) out.appendChild(document.createTextNode(text.slice(at)));
  return out;
}

/** Polite announcement for screen readers (the visually hidden live region in index.html). */
export function announce(message: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}
