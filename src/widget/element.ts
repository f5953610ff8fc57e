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
import { limitOf, PART_ATTRIBUTES, SOURCE_ATTRIBUTES, sourceOf, stringsOf } from './attributes.ts';
import { typingTarget } from './dom.ts';
import { deepActiveElement, trapFocus } from './focus.ts';
import { failureText, fill } from './format.ts';
import { LatestSearch } from './latest-search.ts';
import { listboxKey } from './listbox.ts';
import { followHit } from './navigate.ts';
import { noMatchLines, replaceWord } from './no-match.ts';
import { OptionList } from './option-list.ts';
import { RecentSearches } from './recent.ts';
import type { Row } from './results.ts';
import { matches, parseShortcuts, type Shortcut } from './shortcuts.ts';
import { constructed, CSS } from './styles.ts';
import {
  DEFAULT_STRINGS,
  type SearchSource,
  type SourceAnswer,
  type SpladeSearchEventMap,
  type WidgetStrings,
} from './types.ts';
import { buildParts, noMatchContent } from './view.ts';

/** Where this script was loaded from: the default index folder, and where splade-engine.js is. */
const SCRIPT_URL = import.meta.url;
/** A search slower than this shows "Searching…" (faster ones would only flicker). */
const BUSY_DELAY_MS = 150;
const DEFAULT_SHORTCUTS = 'mod+k /';

let instances = 0;
let widgetSheet: CSSStyleSheet | undefined;

export class SpladeSearchElement extends HTMLElement {
  static readonly observedAttributes = [...SOURCE_ATTRIBUTES, ...PART_ATTRIBUTES];

  readonly #shadow: ShadowRoot;
  readonly #uid = `splade-search-${++instances}`;
  #strings: WidgetStrings = DEFAULT_STRINGS;
  #custom: SearchSource | undefined;
  #source: SearchSource | undefined;
  readonly #searches = new LatestSearch(BUSY_DELAY_MS);
  #loaded = false;
  /** Recent searches, kept per source (its key) while the switch is on and `recent` is not "off". */
  readonly #recent = new RecentSearches({
    sourceKey: () => this.#sourceKey,
    off: () => this.getAttribute('recent') === 'off',
  });
  #opener: HTMLElement | null = null;
  #built = false;
  /** The `shortcuts` attribute, parsed when the parts are built (not on every key the page gets). */
  #shortcuts: Shortcut[] = [];
  #onKey = (e: KeyboardEvent) => this.#shortcut(e);

  // Parts, made by #build() (view.ts).
  #trigger: HTMLButtonElement | undefined;
  #dialog: HTMLDialogElement | undefined;
  #input!: HTMLInputElement;
  #status!: HTMLElement;
  #noMatch!: HTMLElement;
  #listbox!: HTMLElement;
  /** The listbox's rows, options and active option. */
  #list!: OptionList;
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
    this.#searches.abort();
    if (this.#dialog?.open) this.#dialog.close();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value || !this.isConnected) return;
    if (SOURCE_ATTRIBUTES.includes(name)) {
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
    return this.#custom ?? (this.#source ??= sourceOf(this, SCRIPT_URL));
  }
  set source(value: SearchSource | null) {
    this.#custom = value ?? undefined;
    this.#loaded = false;
  }

  get isOpen(): boolean {
    return this.#inline ? Boolean(this.#list?.expanded) : Boolean(this.#dialog?.open);
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
    else if (this.#inline) this.#list.collapse();
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

  #readStrings(): void {
    this.#strings = stringsOf(this, this.#stringsProperty);
  }

  #build(): void {
    const keep = this.#input?.value ?? '';
    const shortcuts = (this.#shortcuts = parseShortcuts(this.getAttribute('shortcuts') ?? DEFAULT_SHORTCUTS));
    const inline = this.#inline;
    const parts = buildParts(
      { strings: this.#strings, id: (part) => `${this.#uid}-${part}`, inline, shortcuts },
      {
        input: () => this.#onInput(),
        inputKey: (e) => this.#onInputKey(e),
        inputFocus: () => this.#inline && this.#warm(),
        inputBlur: (next) => (!next || !this.#shadow.contains(next)) && this.#list.collapse(),
        listClick: (e) => this.#choose(this.#list.optionAt(e)),
        listHover: (e) => this.#list.hover(e),
        suggest: (word, suggestion) => {
          this.search(replaceWord(this.#input.value, word, suggestion));
          this.#input.focus();
        },
        remember: (on) => this.#setRemember(on),
        clearRecent: () => this.#clearRecent(),
        open: () => this.show(),
        close: () => this.close(),
        closed: () => this.#onClosed(),
        dialogKey: (e) => trapFocus(e, this.#shadow),
      },
    );
    ({
      input: this.#input,
      status: this.#status,
      noMatch: this.#noMatch,
      listbox: this.#listbox,
      remember: this.#remember,
      clear: this.#clear,
      trigger: this.#trigger,
      dialog: this.#dialog,
    } = parts);
    this.#input.value = keep;
    this.#remember.checked = this.#recent.remembering;
    this.#shadow.replaceChildren(...parts.nodes);
    this.#list = new OptionList(this.#listbox, this.#input, this.#uid);
    this.#built = true;
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
    this.#searches.cancel();
    const opener = this.#opener;
    this.#opener = null;
    // Focus goes back where it was (the trigger, or whatever had it when a shortcut opened the dialog).
    (opener?.isConnected ? opener : this.#trigger)?.focus();
    this.#emit('splade-search:close', {});
  }

  #onInput(): void {
    const query = this.#input.value;
    if (!query.trim()) {
      this.#searches.cancel();
      this.#setStatus('');
      this.#noMatch.replaceChildren();
      this.#showRecent();
      return;
    }
    // Trailing whitespace stays: it says the last word is complete (no prefix completion).
    void this.#run(query.trimStart());
  }

  async #run(typed: string): Promise<void> {
    const query = typed.trim();
    const outcome = await this.#searches.run(
      (signal) => this.source.search(typed, { limit: limitOf(this), signal, prefix: true }),
      () => {
        this.#listbox.setAttribute('aria-busy', 'true');
        this.#setStatus(this.#loaded ? this.#strings.searching : this.#strings.loading);
      },
    );
    if (!outcome) return; // a newer keystroke: this answer is stale
    this.#listbox.removeAttribute('aria-busy');
    try {
      if (!outcome.ok) throw outcome.error; // hits that cannot be shown fail the search the same way
      const answer: SourceAnswer = Array.isArray(outcome.value) ? { hits: outcome.value } : outcome.value;
      const { hits } = answer;
      const unmatched = answer.unmatched ?? [];
      this.#loaded = true;
      this.#noMatch.replaceChildren(...noMatchContent(noMatchLines(unmatched, this.#strings)));
      this.#list.show(
        hits.map((hit) => ({ kind: 'hit', hit }) as const),
        this.#strings,
      );
      const s = this.#strings;
      this.#setStatus(
        hits.length === 0
          ? fill(s.empty, { query })
          : hits.length === 1
            ? s.one
            : fill(s.count, { count: hits.length }),
      );
      this.#emit('splade-search:results', { query, hits, unmatched });
    } catch (error) {
      this.#list.show([], this.#strings);
      this.#noMatch.replaceChildren();
      this.#setStatus(failureText(error, this.#strings, navigator.onLine === false), true);
      this.#emit('splade-search:error', { query, error });
    }
  }

  #setStatus(text: string, error = false): void {
    this.#status.classList.toggle('error', error);
    if (this.#status.textContent !== text) this.#status.textContent = text;
  }

  /** The combobox's keys (listbox.ts decides what each does). */
  #onInputKey(e: KeyboardEvent): void {
    const { action, consumed } = listboxKey(e.key, {
      count: this.#list.count,
      active: this.#list.active,
      expanded: this.#list.expanded,
      composing: e.isComposing,
    });
    if (consumed) e.preventDefault();
    switch (action.kind) {
      case 'activate':
        this.#list.setActive(action.to);
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
        else if (this.#list.expanded) this.#list.collapse();
        else this.search('');
        return;
      case 'none':
        return;
    }
  }

  #choose(k: number): void {
    const row = this.#list.row(k);
    if (!row) return;
    if (row.kind === 'recent') {
      this.search(row.query);
      return;
    }
    const query = this.#input.value.trim();
    this.#addRecent(query);
    if (!this.#emit('splade-search:select', { query, hit: row.hit }, true)) return;
    const refused = followHit(row.hit, () => this.close());
    if (refused) this.#setStatus(fill(this.#strings.error, { message: refused }), true);
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
    const rows: Row[] = this.#recent.list().map((query) => ({ kind: 'recent', query }));
    this.#list.show(rows, this.#strings);
  }

  #emit<K extends keyof SpladeSearchEventMap>(
    type: K,
    detail: SpladeSearchEventMap[K]['detail'],
    cancelable = false,
  ): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }
}
