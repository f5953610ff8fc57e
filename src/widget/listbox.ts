/**
 * The combobox's keys (ARIA 1.2 pattern: focus stays in the input, the active option is
 * aria-activedescendant), decided apart from the DOM (pure, unit-tested in Node): which key does
 * what to the listbox given how many options there are and which one is active.
 */

export interface ListboxState {
  /** Options in the listbox. */
  count: number;
  /** The active option, -1 for none. */
  active: number;
  /** Whether the listbox is shown (the input's aria-expanded). */
  expanded: boolean;
  /** An IME composition is in progress (its Enter confirms the composition, not a choice). */
  composing: boolean;
}

export type ListboxAction =
  /** Make option `to` active (-1: none). */
  | { kind: 'activate'; to: number }
  /** The listbox is collapsed: search what is typed, to show it. */
  | { kind: 'expand' }
  /** Follow option `index`. */
  | { kind: 'choose'; index: number }
  /** Escape: close the dialog, collapse the inline list, or empty the box (the element knows which). */
  | { kind: 'escape' }
  /** The key is the input's own (typing, moving the caret). */
  | { kind: 'none' };

export interface ListboxKey {
  action: ListboxAction;
  /** The input must not act on the key itself (preventDefault). */
  consumed: boolean;
}

const NONE: ListboxKey = { action: { kind: 'none' }, consumed: false };

/** What the key `key` pressed in the input does. Arrows wrap around; Enter with none active takes the first. */
export function listboxKey(key: string, { count, active, expanded, composing }: ListboxState): ListboxKey {
  // An arrow with no options is still the listbox's (the caret stays), and does nothing.
  const activate = (to: number): ListboxKey => ({
    action: count ? { kind: 'activate', to } : { kind: 'none' },
    consumed: true,
  });
  switch (key) {
    case 'ArrowDown':
      if (!expanded) return { action: { kind: 'expand' }, consumed: true };
      return activate(active < 0 || active >= count - 1 ? 0 : active + 1);
    case 'ArrowUp':
      return activate(active <= 0 ? count - 1 : active - 1);
    case 'Home':
    case 'End':
      // With an option active, Home and End move through the list; otherwise through the text.
      if (active < 0 || !count) return NONE;
      return activate(key === 'Home' ? 0 : count - 1);
    case 'Enter':
      if (composing) return NONE;
      return { action: count ? { kind: 'choose', index: active >= 0 ? active : 0 } : { kind: 'none' }, consumed: true };
    case 'Escape':
      return { action: { kind: 'escape' }, consumed: true };
    case 'ArrowLeft':
    case 'ArrowRight':
      // The caret moves: the active option no longer means anything.
      return { action: count ? { kind: 'activate', to: -1 } : { kind: 'none' }, consumed: false };
    default:
      return NONE;
  }
}
