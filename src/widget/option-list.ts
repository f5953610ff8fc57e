/**
 * The combobox's listbox as the element drives it (ARIA 1.2: focus stays in the input): the rows
 * shown, their options, and the active one, kept in step with the input's aria-expanded and
 * aria-activedescendant and the options' aria-selected. One per build of the element's parts.
 */
import { groupRows, type Row } from './results.ts';
import type { WidgetStrings } from './types.ts';
import { optionGroups } from './view.ts';

export class OptionList {
  readonly #listbox: HTMLElement;
  readonly #input: HTMLInputElement;
  /** The element's unique id: option and group ids start with it. */
  readonly #uid: string;
  #rows: Row[] = [];
  #options: HTMLElement[] = [];
  #active = -1;

  constructor(listbox: HTMLElement, input: HTMLInputElement, uid: string) {
    this.#listbox = listbox;
    this.#input = input;
    this.#uid = uid;
  }

  /** Options shown. */
  get count(): number {
    return this.#options.length;
  }

  /** The active option, -1 for none. */
  get active(): number {
    return this.#active;
  }

  /** Whether the listbox is shown (the input's aria-expanded). */
  get expanded(): boolean {
    return this.#input.getAttribute('aria-expanded') === 'true';
  }

  /** The row of option `k`. */
  row(k: number): Row | undefined {
    return this.#rows[k];
  }

  /** Shows `rows`: hits grouped by page (groups in the order of their best hit), or recent searches. */
  show(rows: Row[], strings: WidgetStrings): void {
    const grouped = groupRows(rows, strings.recent, document.baseURI);
    const { groups, options } = optionGroups(grouped, this.#uid, strings);
    this.#rows = grouped.flatMap((g) => g.rows);
    this.#options = options;
    this.#active = -1;
    this.#listbox.replaceChildren(...groups);
    this.#input.removeAttribute('aria-activedescendant');
    this.#input.setAttribute('aria-expanded', String(options.length > 0));
  }

  /** Makes option `k` active (-1, or any place without an option: none), scrolling it into view. */
  setActive(k: number, scroll = true): void {
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

  /** The place of the option an event happened in, or -1. */
  optionAt(e: Event): number {
    const option = (e.target as Element).closest('[role=option]');
    return option ? this.#options.indexOf(option as HTMLElement) : -1;
  }

  /** A pointer over an option makes it active (without scrolling). */
  hover(e: PointerEvent): void {
    const k = this.optionAt(e);
    if (k >= 0 && k !== this.#active) this.setActive(k, false);
  }

  /** Empties and hides the listbox. */
  collapse(): void {
    this.#listbox.replaceChildren();
    this.#options = [];
    this.#rows = [];
    this.#active = -1;
    this.#input.removeAttribute('aria-activedescendant');
    this.#input.setAttribute('aria-expanded', 'false');
  }
}
