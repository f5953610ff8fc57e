/** Focus while the widget's modal dialog is open: kept inside it, and given back where it was on close. */

/** Tab and Shift+Tab cycle through the dialog's inputs and enabled buttons (in `root`), never leaving it. */
export function trapFocus(e: KeyboardEvent, root: ShadowRoot): void {
  if (e.key !== 'Tab') return;
  const focusable = [...root.querySelectorAll<HTMLElement>('dialog input, dialog button:not([disabled])')];
  if (focusable.length === 0) return;
  const here = focusable.indexOf(root.activeElement as HTMLElement);
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

/** The element that has focus, looking inside shadow roots: where focus goes back when the dialog closes. */
export function deepActiveElement(): HTMLElement | null {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : null;
}
