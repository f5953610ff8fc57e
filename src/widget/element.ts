/**
 * <splade-search>: a search box that opens with a shortcut, answers as the reader types and takes
 * them to the section they need. The class only; `define()` (define.ts) registers it, and the
 * script a site loads (script.ts) calls that.
 *
 * Structure (shadow DOM): a trigger button and a modal <dialog> (or, with mode="inline", the panel
 * in place) holding the ARIA 1.2 combobox pattern: the input is the `combobox`; a `listbox` of
 * `option`s, grouped by page, is what it controls; the active option is `aria-activedescendant`
 * (focus stays in the input); options hold no interactive element; a `status` live region says how
 * many results there are. Everything shown from an index is text nodes and <mark> elements (dom.ts):
 * indexed text is hostile. Styles are a constructed stylesheet (no <style>, no style attributes), so
 * the element runs under `style-src 'self'`; it never assigns HTML or script URLs, so it runs with
 * Trusted Types required.
 */
import { h, markedText, typingTarget } from './dom.ts';
import { SpladeError } from '../errors.ts';
import { errorText, failureText, fill, safeUrl } from './format.ts';
import { listboxKey } from './listbox.ts';
import { RecentSearches } from './recent.ts';
import { groupRows, hitText, type Row } from './results.ts';
import { matches, parseShortcuts, shortcutLabel, type Shortcut } from './shortcuts.ts';
import { indexSource, pageSource, staticSource } from './sources.ts';
import { CSS, PAGE_CSS } from './styles.ts';
import {
  DEFAULT_STRINGS,
  type SearchSource,
  type SpladeSearchEventMap,
  type WidgetHit,
  type WidgetStrings,
} from './types.ts';

/** Where this script was loaded from: the default index folder, and where splade-engine.js is. */
const SCRIPT_URL = import.meta.url;
/** A search slower than this shows "Searching…" (faster ones would only flicker). */
const BUSY_DELAY_MS = 150;
const DEFAULT_LIMIT = 10;
const DEFAULT_SHORTCUTS = 'mod+k /';

let instances = 0;
let widgetSheet: CSSStyleSheet | undefined;
let pageSheetAdopted = false;

function constructed(css: string): CSSStyleSheet {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  return sheet;
}

export class SpladeSearchElement extends HTMLElement {
  static readonly observedAttributes = [
    'index',
    'source',
    'model',
    'name',
    'engine',
    'root',
    'mode',
    'placeholder',
    'label',
    'shortcuts',
    'strings',
    'limit',
    'recent',
  ];

  readonly #shadow: ShadowRoot;
  readonly #uid = `splade-search-${++instances}`;
  #strings: WidgetStrings = DEFAULT_STRINGS;
  #custom: SearchSource | undefined;
  #source: SearchSource | undefined;
  #ticket = 0;
  #abort: AbortController | undefined;
  #busyTimer: ReturnType<typeof setTimeout> | undefined;
  #loaded = false;
  #rows: Row[] = [];
  /** Recent searches, kept per source (its key) while the switch is on and `recent` is not "off". */
  readonly #recent = new RecentSearches({
    sourceKey: () => this.#sourceKey,
    off: () => this.getAttribute('recent') === 'off',
  });
  #options: HTMLElement[] = [];
  #active = -1;
  #opener: HTMLElement | null = null;
  #built = false;
  /** The `shortcuts` attribute, parsed when the parts are built (not on every key the page gets). */
  #shortcuts: Shortcut[] = [];
  #onKey = (e: KeyboardEvent) => this.#shortcut(e);

  // Parts, made by #build().
  #trigger: HTMLButtonElement | undefined;
  #dialog: HTMLDialogElement | undefined;
  #input!: HTMLInputElement;
  #status!: HTMLElement;
  #listbox!: HTMLElement;
  #remember!: HTMLInputElement;
  #clear!: HTMLButtonElement;

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    widgetSheet ??= constructed(CSS);
    this.#shadow.adoptedStyleSheets = [widgetSheet];
  }

  connectedCallback(): void {
    this.#readStrings();
    if (!this.#built) this.#build();
    document.addEventListener('keydown', this.#onKey);
  }

  disconnectedCallback(): void {
    document.removeEventListener('keydown', this.#onKey);
    this.#abort?.abort();
    if (this.#dialog?.open) this.#dialog.close();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value || !this.isConnected) return;
    if (['index', 'source', 'model', 'name', 'engine', 'root'].includes(name)) {
      this.#source?.dispose?.();
      this.#source = undefined;
      this.#loaded = false;
      return;
    }
    this.#readStrings();
    this.#build(); // mode, strings, shortcuts: the parts are rebuilt (what was typed is kept)
  }

  /** Every string shown or announced; set some or all (another language, say). Also the `strings` attribute (JSON). */
  get strings(): WidgetStrings {
    return this.#strings;
  }
  set strings(value: Partial<WidgetStrings>) {
    this.#stringsProperty = value;
    this.#readStrings();
    if (this.#built) this.#build();
  }
  #stringsProperty: Partial<WidgetStrings> = {};

  /** The source searched: set one to search anything with `search(query, { limit, signal })`. */
  get source(): SearchSource {
    return this.#custom ?? (this.#source ??= this.#sourceFromAttributes());
  }
  set source(value: SearchSource | null) {
    this.#custom = value ?? undefined;
    this.#loaded = false;
  }

  get isOpen(): boolean {
    return this.#inline ? this.#expanded : Boolean(this.#dialog?.open);
  }

  /** Opens the dialog (or focuses the inline box) and starts loading the index. */
  show(): void {
    if (!this.#built) return;
    if (!this.#inline && this.#dialog && !this.#dialog.open) {
      this.#opener = deepActiveElement();
      this.#dialog.showModal();
      this.#input.select();
    }
    this.#input.focus();
    this.#warm();
    if (!this.#input.value.trim()) this.#showRecent();
    this.#emit('splade-search:open', {});
  }

  /** Closes the dialog (focus goes back where it was) or collapses the inline list. */
  close(): void {
    if (this.#dialog?.open)
      this.#dialog.close(); // the dialog's close event does the rest
    else if (this.#inline) this.#collapse();
  }

  /** Runs a search as if typed. */
  search(query: string): void {
    this.#input.value = query;
    this.#onInput();
  }

  override addEventListener<K extends keyof SpladeSearchEventMap>(
    type: K,
    listener: (this: SpladeSearchElement, ev: SpladeSearchEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
  }

  get #inline(): boolean {
    return this.getAttribute('mode') === 'inline';
  }

  get #limit(): number {
    const n = Number(this.getAttribute('limit') ?? DEFAULT_LIMIT);
    return Number.isInteger(n) && n > 0 && n <= 100 ? n : DEFAULT_LIMIT;
  }

  get #expanded(): boolean {
    return this.#input?.getAttribute('aria-expanded') === 'true';
  }

  #readStrings(): void {
    let fromAttribute: Partial<WidgetStrings> = {};
    const json = this.getAttribute('strings');
    if (json) {
      try {
        fromAttribute = JSON.parse(json) as Partial<WidgetStrings>;
      } catch (error) {
        console.warn(
          `splade-web: <splade-search strings> is not JSON (${errorText(error)}); it takes an object of strings, e.g. {"placeholder":"Suchen…"}`,
        );
      }
    }
    const own: Partial<WidgetStrings> = {};
    const placeholder = this.getAttribute('placeholder');
    const label = this.getAttribute('label');
    if (placeholder !== null) own.placeholder = placeholder;
    if (label !== null) own.label = label;
    const merged = { ...DEFAULT_STRINGS };
    for (const part of [fromAttribute, this.#stringsProperty, own]) {
      for (const [k, v] of Object.entries(part))
        if (k in DEFAULT_STRINGS && typeof v === 'string') merged[k as keyof WidgetStrings] = v;
    }
    this.#strings = merged;
  }

  #sourceFromAttributes(): SearchSource {
    const kind = this.getAttribute('source') ?? 'static';
    const engine = this.getAttribute('engine') ?? new URL('splade-engine.js', SCRIPT_URL).href;
    const model = this.getAttribute('model');
    const need = (what: string) =>
      new SpladeError('invalid-option', `<splade-search source="${kind}"> needs a ${what} attribute`);
    if (kind === 'static') return staticSource(this.getAttribute('index') ?? new URL('./', SCRIPT_URL).href);
    if (kind === 'page') {
      if (!model) return failing(need('model (a model folder URL or hub id)'));
      const selector = this.getAttribute('root');
      const root = selector ? document.querySelector(selector) : null;
      if (selector && !root)
        return failing(
          new SpladeError('invalid-option', `<splade-search root="${selector}"> matches no element of this page`),
        );
      return pageSource(engine, { model, ...(root ? { root } : {}) });
    }
    if (kind === 'idb') {
      const name = this.getAttribute('name');
      if (!name) return failing(need('name (the SparseIndex name)'));
      if (!model) return failing(need('model (the model the index was encoded with)'));
      return indexSource(engine, { name, model });
    }
    return failing(
      new SpladeError(
        'invalid-option',
        `<splade-search source="${kind}"> is not a source; use "static" (with index="…"), "idb" (with name and model) or "page" (with model)`,
      ),
    );
  }

  #build(): void {
    const s = this.#strings;
    const keep = this.#input?.value ?? '';
    const id = (part: string) => `${this.#uid}-${part}`;
    const shortcuts = (this.#shortcuts = parseShortcuts(this.getAttribute('shortcuts') ?? DEFAULT_SHORTCUTS));
    this.#input = h('input', {
      attrs: {
        type: 'search',
        role: 'combobox',
        part: 'input',
        id: id('input'),
        'aria-label': s.label,
        'aria-autocomplete': 'list',
        'aria-expanded': 'false',
        'aria-controls': id('listbox'),
        'aria-describedby': id('hint'),
        autocomplete: 'off',
        autocapitalize: 'off',
        spellcheck: 'false',
        enterkeyhint: 'search',
        placeholder: s.placeholder,
      },
      on: {
        input: () => this.#onInput(),
        keydown: (e) => this.#onInputKey(e),
        focus: () => this.#inline && this.#warm(),
      },
    });
    this.#input.value = keep;
    this.#status = h('div', {
      class: 'status',
      attrs: { role: 'status', part: 'status', 'aria-live': 'polite', id: id('status') },
    });
    this.#listbox = h('div', {
      attrs: { role: 'listbox', id: id('listbox'), part: 'listbox', 'aria-label': s.results },
      on: { click: (e) => this.#onListClick(e), pointermove: (e) => this.#onHover(e) },
    });
    // Focus stays in the input: a pointer press on an option must not move it.
    this.#listbox.addEventListener('mousedown', (e) => e.preventDefault());
    this.#remember = h('input', {
      attrs: { type: 'checkbox', role: 'switch', part: 'remember' },
      on: { change: () => this.#setRemember(this.#remember.checked) },
    });
    this.#remember.checked = this.#recent.remembering;
    this.#clear = h('button', {
      attrs: { type: 'button', part: 'clear' },
      text: s.clearRecent,
      on: { click: () => this.#clearRecent() },
    });
    const footer = h(
      'div',
      { class: 'footer', attrs: { part: 'footer' } },
      h('span', { attrs: { id: id('hint') }, text: s.hint }),
      h('label', {}, this.#remember, s.rememberRecent),
      this.#clear,
    );
    const bar = h('div', { class: 'bar', attrs: { part: 'bar' } }, this.#input);
    const panel = h('div', { class: 'panel', attrs: { part: 'panel' } }, bar, this.#status, this.#listbox, footer);
    const parts: Node[] = [];
    this.#trigger = undefined;
    this.#dialog = undefined;
    if (this.#inline) {
      parts.push(panel);
      this.#input.addEventListener('focusout', (e) => {
        const next = e.relatedTarget as Node | null;
        if (!next || !this.#shadow.contains(next)) this.#collapse();
      });
    } else {
      const labels = shortcuts.map(shortcutLabel);
      this.#trigger = h(
        'button',
        {
          class: 'trigger',
          attrs: {
            type: 'button',
            part: 'button',
            'aria-haspopup': 'dialog',
            ...(labels.length ? { 'aria-keyshortcuts': labels.map((l) => l.aria).join(' ') } : {}),
          },
          on: { click: () => this.show() },
        },
        h('span', { text: s.button }),
        labels[0] ? h('kbd', { attrs: { 'aria-hidden': 'true' }, text: labels[0].text }) : null,
      );
      bar.append(
        h('button', {
          attrs: { type: 'button', part: 'close', 'aria-keyshortcuts': 'Escape' },
          text: s.close,
          on: { click: () => this.close() },
        }),
      );
      this.#dialog = h(
        'dialog',
        {
          attrs: { part: 'dialog', 'aria-label': s.label },
          on: { close: () => this.#onClosed(), keydown: (e) => this.#trapFocus(e) },
        },
        panel,
      );
      // A click on the backdrop (outside the panel) closes.
      this.#dialog.addEventListener('click', (e) => e.target === this.#dialog && this.close());
      parts.push(this.#trigger, this.#dialog);
    }
    this.#shadow.replaceChildren(...parts);
    this.#built = true;
    this.#rows = [];
    this.#options = [];
    this.#active = -1;
    this.#updateRecentControls();
    if (keep.trim() && this.isOpen) this.#onInput();
  }

  #warm(): void {
    let source: SearchSource;
    try {
      source = this.source;
    } catch {
      return;
    }
    if (this.#loaded || !source.warm) return;
    source.warm().then(
      () => (this.#loaded = true),
      () => {}, // the first search reports it
    );
  }

  #shortcut(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.isComposing || !this.#built || this.hidden) return; // an earlier widget took it
    for (const s of this.#shortcuts) {
      if (!matches(s, e)) continue;
      const plain = !s.ctrl && !s.meta && !s.mod && !s.alt;
      if (plain && typingTarget(e)) return; // "/" typed into a field is a character
      if (this.isOpen && !this.#inline) return;
      e.preventDefault();
      this.show();
      return;
    }
  }

  #onClosed(): void {
    this.#abort?.abort();
    this.#ticket++;
    clearTimeout(this.#busyTimer);
    const opener = this.#opener;
    this.#opener = null;
    // Focus goes back where it was (the trigger, or whatever had it when a shortcut opened the dialog).
    (opener?.isConnected ? opener : this.#trigger)?.focus();
    this.#emit('splade-search:close', {});
  }

  #trapFocus(e: KeyboardEvent): void {
    if (e.key !== 'Tab') return;
    const focusable = [...this.#shadow.querySelectorAll<HTMLElement>('dialog input, dialog button:not([disabled])')];
    if (focusable.length === 0) return;
    const here = focusable.indexOf(this.#shadow.activeElement as HTMLElement);
    const next = e.shiftKey
      ? here <= 0
        ? focusable.length - 1
        : here - 1
      : here === focusable.length - 1
        ? 0
        : here + 1;
    e.preventDefault();
    focusable[next]!.focus();
  }

  #onInput(): void {
    const query = this.#input.value;
    if (!query.trim()) {
      this.#abort?.abort();
      this.#ticket++;
      clearTimeout(this.#busyTimer);
      this.#setStatus('');
      this.#showRecent();
      return;
    }
    void this.#run(query.trim());
  }

  async #run(query: string): Promise<void> {
    const ticket = ++this.#ticket;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    clearTimeout(this.#busyTimer);
    this.#busyTimer = setTimeout(() => {
      if (ticket !== this.#ticket) return;
      this.#listbox.setAttribute('aria-busy', 'true');
      this.#setStatus(this.#loaded ? this.#strings.searching : this.#strings.loading);
    }, BUSY_DELAY_MS);
    try {
      const hits = await this.source.search(query, { limit: this.#limit, signal: abort.signal });
      if (ticket !== this.#ticket) return; // a newer keystroke: this answer is stale
      this.#loaded = true;
      clearTimeout(this.#busyTimer);
      this.#listbox.removeAttribute('aria-busy');
      this.#render(hits.map((hit) => ({ kind: 'hit', hit }) as const));
      const s = this.#strings;
      this.#setStatus(
        hits.length === 0
          ? fill(s.empty, { query })
          : hits.length === 1
            ? s.one
            : fill(s.count, { count: hits.length }),
      );
      this.#emit('splade-search:results', { query, hits });
    } catch (error) {
      if (ticket !== this.#ticket) return;
      clearTimeout(this.#busyTimer);
      this.#listbox.removeAttribute('aria-busy');
      this.#render([]);
      this.#setStatus(failureText(error, this.#strings, navigator.onLine === false), true);
      this.#emit('splade-search:error', { query, error });
    }
  }

  #setStatus(text: string, error = false): void {
    this.#status.classList.toggle('error', error);
    if (this.#status.textContent !== text) this.#status.textContent = text;
  }

  /** Fills the listbox: hits grouped by page (groups in the order of their best hit), or recent searches. */
  #render(rows: Row[]): void {
    const groups = groupRows(rows, this.#strings.recent, document.baseURI);
    this.#rows = groups.flatMap((g) => g.rows);
    this.#options = [];
    this.#active = -1;
    const names = new Map<string, number>();
    const children = groups.map(({ label, rows: group }, g) => {
      const labelId = `${this.#uid}-g${g}`;
      return h(
        'div',
        { attrs: { role: 'group', 'aria-labelledby': labelId, part: 'group' } },
        h('div', {
          class: 'group-label',
          attrs: { id: labelId, role: 'presentation', part: 'group-label' },
          text: label,
        }),
        ...group.map((row) => {
          const option = row.kind === 'recent' ? this.#recentOption(row.query) : this.#hitOption(row.hit, label, names);
          option.id = `${this.#uid}-o${this.#options.length}`;
          option.setAttribute('aria-selected', 'false');
          this.#options.push(option);
          return option;
        }),
      );
    });
    this.#listbox.replaceChildren(...children);
    this.#input.removeAttribute('aria-activedescendant');
    this.#input.setAttribute('aria-expanded', String(this.#options.length > 0));
  }

  /** A hit's option; its text (results.ts) is its accessible name. */
  #hitOption(hit: WidgetHit, page: string, names: Map<string, number>): HTMLElement {
    const { title, extra, trail, why } = hitText(hit, page, this.#strings, names);
    return h(
      'div',
      { attrs: { role: 'option', part: 'option' } },
      h(
        'div',
        { class: 'title', attrs: { part: 'option-title' } },
        title,
        extra ? h('span', { class: 'visually-hidden', text: extra }) : null,
      ),
      trail.length ? h('div', { class: 'path', attrs: { part: 'path' }, text: trail.join(' › ') }) : null,
      hit.snippet
        ? h(
            'div',
            { class: 'snippet', attrs: { part: 'snippet' } },
            markedText(hit.snippet.text, hit.snippet.highlights),
          )
        : null,
      why ? h('div', { class: 'why', attrs: { part: 'why' }, text: why }) : null,
    );
  }

  #recentOption(query: string): HTMLElement {
    return h('div', { attrs: { role: 'option', part: 'option recent' } }, h('div', { class: 'title', text: query }));
  }

  #setActive(k: number, scroll = true): void {
    if (this.#options.length === 0) return;
    const prev = this.#options[this.#active];
    prev?.setAttribute('aria-selected', 'false');
    this.#active = k;
    const option = this.#options[k];
    if (!option) {
      this.#input.removeAttribute('aria-activedescendant');
      return;
    }
    option.setAttribute('aria-selected', 'true');
    this.#input.setAttribute('aria-activedescendant', option.id);
    if (scroll) option.scrollIntoView({ block: 'nearest' });
  }

  /** The combobox's keys (listbox.ts decides what each does). */
  #onInputKey(e: KeyboardEvent): void {
    const { action, consumed } = listboxKey(e.key, {
      count: this.#options.length,
      active: this.#active,
      expanded: this.#expanded,
      composing: e.isComposing,
    });
    if (consumed) e.preventDefault();
    switch (action.kind) {
      case 'activate':
        this.#setActive(action.to);
        return;
      case 'expand':
        this.#onInput();
        return;
      case 'choose':
        this.#choose(action.index);
        return;
      case 'escape':
        e.stopPropagation();
        if (!this.#inline) this.close();
        else if (this.#expanded) this.#collapse();
        else this.search('');
        return;
      case 'none':
        return;
    }
  }

  #onListClick(e: MouseEvent): void {
    const option = (e.target as Element).closest('[role=option]');
    const k = option ? this.#options.indexOf(option as HTMLElement) : -1;
    if (k >= 0) this.#choose(k);
  }

  #onHover(e: PointerEvent): void {
    const option = (e.target as Element).closest('[role=option]');
    const k = option ? this.#options.indexOf(option as HTMLElement) : -1;
    if (k >= 0 && k !== this.#active) this.#setActive(k, false);
  }

  #collapse(): void {
    this.#listbox.replaceChildren();
    this.#options = [];
    this.#rows = [];
    this.#active = -1;
    this.#input.removeAttribute('aria-activedescendant');
    this.#input.setAttribute('aria-expanded', 'false');
  }

  #choose(k: number): void {
    const row = this.#rows[k];
    if (!row) return;
    if (row.kind === 'recent') {
      this.search(row.query);
      return;
    }
    const query = this.#input.value.trim();
    this.#addRecent(query);
    if (!this.#emit('splade-search:select', { query, hit: row.hit }, true)) return;
    this.#follow(row.hit);
  }

  /** Takes the reader to a hit: its element on this page, an anchor on this page, or another page. */
  #follow(hit: WidgetHit): void {
    if (hit.target?.isConnected) {
      this.close();
      const id = hit.target.id;
      if (id) history.pushState(null, '', `#${encodeURIComponent(id)}`);
      markTarget(hit.target);
      return;
    }
    const url = safeUrl(hit.url, document.baseURI);
    if (!url) {
      this.#setStatus(
        fill(this.#strings.error, {
          message: `refused to follow ${JSON.stringify(hit.url.slice(0, 80))}: only http and https links are followed`,
        }),
        true,
      );
      return;
    }
    const here = new URL(location.href);
    if (url.origin === here.origin && url.pathname === here.pathname && url.search === here.search && url.hash) {
      this.close();
      location.hash = url.hash;
      const target = document.getElementById(decodeURIComponent(url.hash.slice(1)));
      if (target) markTarget(target);
      return;
    }
    location.assign(url.href);
  }

  // Recent searches (recent.ts): the element keeps its switch and its "Clear" button in step.

  /** The source's key (recent searches are kept per source); a source that cannot be made has none. */
  get #sourceKey(): string {
    try {
      return this.source.key;
    } catch {
      return 'none';
    }
  }

  #addRecent(query: string): void {
    this.#recent.add(query);
    this.#updateRecentControls();
  }

  #clearRecent(): void {
    this.#recent.clear();
    this.#updateRecentControls();
    if (!this.#input.value.trim()) this.#showRecent();
    this.#input.focus();
  }

  #setRemember(on: boolean): void {
    this.#recent.setRemembering(on);
    this.#updateRecentControls();
    if (!this.#input.value.trim()) this.#showRecent();
  }

  #updateRecentControls(): void {
    if (!this.#clear) return;
    this.#remember.checked = this.#recent.remembering;
    this.#remember.disabled = this.getAttribute('recent') === 'off';
    this.#clear.disabled = this.#recent.list().length === 0;
  }

  #showRecent(): void {
    this.#render(this.#recent.list().map((query) => ({ kind: 'recent', query }) as const));
  }

  #emit<K extends keyof SpladeSearchEventMap>(
    type: K,
    detail: SpladeSearchEventMap[K]['detail'],
    cancelable = false,
  ): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }
}

/** A source whose every search fails with `error` (a misconfigured element says so when searched). */
function failing(error: Error): SearchSource {
  return { key: 'invalid', search: () => Promise.reject(error) };
}

function deepActiveElement(): HTMLElement | null {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : null;
}

/** Scrolls to the element a hit leads to and marks it for a moment (a document-level constructed sheet). */
function markTarget(target: Element): void {
  if (!pageSheetAdopted) {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, constructed(PAGE_CSS)];
    pageSheetAdopted = true;
  }
  for (const el of document.querySelectorAll('[data-splade-target]')) el.removeAttribute('data-splade-target');
  target.setAttribute('data-splade-target', '');
  const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
  target.scrollIntoView({ behavior: smooth ? 'smooth' : 'auto', block: 'start' });
  setTimeout(() => target.removeAttribute('data-splade-target'), 4000);
}
