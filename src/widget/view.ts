/**
 * The element's parts as DOM, built with h() (text nodes and inert attributes only): the combobox
 * input, the status line, the listbox and the footer, in a modal <dialog> opened by a trigger
 * button or (mode="inline") in place; and the listbox's options, grouped by page. What the parts do
 * when used is the element's (element.ts): it passes its handlers in.
 */
import { h, markedText } from './dom.ts';
import type { NoMatchLine } from './no-match.ts';
import { hitText, type RowGroup } from './results.ts';
import { shortcutLabel, type Shortcut } from './shortcuts.ts';
import type { WidgetHit, WidgetStrings } from './types.ts';

export interface Parts {
  input: HTMLInputElement;
  status: HTMLElement;
  /** The "No match for …" line (empty unless a query word matched nothing). */
  noMatch: HTMLElement;
  listbox: HTMLElement;
  /** The "Remember searches" switch and the "Clear recent searches" button. */
  remember: HTMLInputElement;
  clear: HTMLButtonElement;
  /** The button that opens the dialog, and the dialog: undefined inline. */
  trigger: HTMLButtonElement | undefined;
  dialog: HTMLDialogElement | undefined;
  /** What the shadow root holds. */
  nodes: Node[];
}

export interface PartsLayout {
  strings: WidgetStrings;
  /** The id of a part (ids are unique per element: aria-controls and the like refer to them). */
  id: (part: string) => string;
  inline: boolean;
  /** The shortcuts that open the dialog: the trigger names them (aria-keyshortcuts, and the first as a hint). */
  shortcuts: readonly Shortcut[];
}

/** The element's handlers, one per thing the parts can be asked to do (listeners as they are: bound functions). */
export interface PartHandlers {
  input(): void;
  inputKey(e: KeyboardEvent): void;
  inputFocus(): void;
  /** Inline only: focus left the input (for `next`, or for nothing). */
  inputBlur(next: Node | null): void;
  listClick(e: MouseEvent): void;
  listHover(e: PointerEvent): void;
  /** A "Did you mean" suggestion was chosen: rerun with `suggestion` in place of `word`. */
  suggest(word: string, suggestion: string): void;
  remember(on: boolean): void;
  clearRecent(): void;
  open(): void;
  close(): void;
  /** The dialog closed (by close(), Escape or the backdrop). */
  closed(): void;
  dialogKey(e: KeyboardEvent): void;
}

export function buildParts(layout: PartsLayout, on: PartHandlers): Parts {
  const { strings: s, id } = layout;
  const input = h('input', {
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
    on: { input: on.input, keydown: on.inputKey, focus: on.inputFocus },
  });
  const status = h('div', {
    class: 'status',
    attrs: { role: 'status', part: 'status', 'aria-live': 'polite', id: id('status') },
  });
  const noMatch = h('div', {
    class: 'no-match',
    attrs: { part: 'no-match', 'aria-live': 'polite', id: id('no-match') },
  });
  // Focus stays in the input: a pointer press on a suggestion must not move it (the click reruns).
  noMatch.addEventListener('mousedown', (e) => e.preventDefault());
  noMatch.addEventListener('click', (e) => {
    const button = (e.target as Element | null)?.closest?.('button[data-word]');
    const word = button?.getAttribute('data-word');
    const suggestion = button?.getAttribute('data-suggestion');
    if (word != null && suggestion != null) on.suggest(word, suggestion);
  });
  const listbox = h('div', {
    attrs: { role: 'listbox', id: id('listbox'), part: 'listbox', 'aria-label': s.results },
    on: { click: on.listClick, pointermove: on.listHover },
  });
  // Focus stays in the input: a pointer press on an option must not move it.
  listbox.addEventListener('mousedown', (e) => e.preventDefault());
  const remember = h('input', {
    attrs: { type: 'checkbox', role: 'switch', part: 'remember' },
    on: { change: () => on.remember(remember.checked) },
  });
  const clear = h('button', {
    attrs: { type: 'button', part: 'clear' },
    text: s.clearRecent,
    on: { click: on.clearRecent },
  });
  const footer = h(
    'div',
    { class: 'footer', attrs: { part: 'footer' } },
    h('span', { attrs: { id: id('hint') }, text: s.hint }),
    h('label', {}, remember, s.rememberRecent),
    clear,
  );
  const bar = h('div', { class: 'bar', attrs: { part: 'bar' } }, input);
  const panel = h('div', { class: 'panel', attrs: { part: 'panel' } }, bar, status, noMatch, listbox, footer);
  const parts = { input, status, noMatch, listbox, remember, clear };
  if (layout.inline) {
    input.addEventListener('focusout', (e) => on.inputBlur(e.relatedTarget as Node | null));
    return { ...parts, trigger: undefined, dialog: undefined, nodes: [panel] };
  }
  const labels = layout.shortcuts.map(shortcutLabel);
  const trigger = h(
    'button',
    {
      class: 'trigger',
      attrs: {
        type: 'button',
        part: 'button',
        'aria-haspopup': 'dialog',
        ...(labels.length ? { 'aria-keyshortcuts': labels.map((l) => l.aria).join(' ') } : {}),
      },
      on: { click: on.open },
    },
    h('span', { text: s.button }),
    labels[0] ? h('kbd', { attrs: { 'aria-hidden': 'true' }, text: labels[0].text }) : null,
  );
  bar.append(
    h('button', {
      attrs: { type: 'button', part: 'close', 'aria-keyshortcuts': 'Escape' },
      text: s.close,
      on: { click: on.close },
    }),
  );
  const dialog = h(
    'dialog',
    {
      attrs: { part: 'dialog', 'aria-label': s.label },
      on: { close: on.closed, keydown: on.dialogKey },
    },
    panel,
  );
  // A click on the backdrop (outside the panel) closes.
  dialog.addEventListener('click', (e) => e.target === dialog && on.close());
  return { ...parts, trigger, dialog, nodes: [trigger, dialog] };
}

/**
 * The "No match" line's content: a paragraph per word no page holds, its suggestion a button (text
 * only: the words come from the index and are shown, never parsed).
 */
export function noMatchContent(lines: readonly NoMatchLine[]): HTMLElement[] {
  return lines.map((line) =>
    h(
      'p',
      { attrs: { part: 'no-match-line' } },
      line.text,
      line.suggestion ? ` ${line.suggestion.before}` : null,
      line.suggestion
        ? h('button', {
            attrs: {
              type: 'button',
              part: 'suggestion',
              'data-word': line.word,
              'data-suggestion': line.suggestion.word,
            },
            text: line.suggestion.word,
          })
        : null,
      line.suggestion?.after || null,
    ),
  );
}

/**
 * The listbox's content: a group per page (or the recent searches), labelled by its heading, each
 * option with the id `<uid>-o<k>` (k in listbox order, the order of `options`), none selected.
 */
export function optionGroups(
  groups: readonly RowGroup[],
  uid: string,
  strings: WidgetStrings,
): { groups: HTMLElement[]; options: HTMLElement[] } {
  const options: HTMLElement[] = [];
  const names = new Map<string, number>();
  const elements = groups.map(({ label, rows }, g) => {
    const labelId = `${uid}-g${g}`;
    return h(
      'div',
      { attrs: { role: 'group', 'aria-labelledby': labelId, part: 'group' } },
      h('div', {
        class: 'group-label',
        attrs: { id: labelId, role: 'presentation', part: 'group-label' },
        text: label,
      }),
      ...rows.map((row) => {
        const option = row.kind === 'recent' ? recentOption(row.query) : hitOption(row.hit, label, strings, names);
        option.id = `${uid}-o${options.length}`;
        option.setAttribute('aria-selected', 'false');
        options.push(option);
        return option;
      }),
    );
  });
  return { groups: elements, options };
}

/** A hit's option; its text (results.ts) is its accessible name. */
function hitOption(hit: WidgetHit, page: string, strings: WidgetStrings, names: Map<string, number>): HTMLElement {
  const { title, extra, trail, why } = hitText(hit, page, strings, names);
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
      ? h('div', { class: 'snippet', attrs: { part: 'snippet' } }, markedText(hit.snippet.text, hit.snippet.highlights))
      : null,
    why ? h('div', { class: 'why', attrs: { part: 'why' }, text: why }) : null,
  );
}

function recentOption(query: string): HTMLElement {
  return h('div', { attrs: { role: 'option', part: 'option recent' } }, h('div', { class: 'title', text: query }));
}
