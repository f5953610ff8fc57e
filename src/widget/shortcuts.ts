/**
 * Keyboard shortcuts that open a widget: "mod+k /" (`mod` is Cmd on Apple systems, Ctrl elsewhere),
 * matched against key events, and named for `aria-keyshortcuts` and the trigger's hint. No DOM
 * types here: the parsing and matching are unit-tested in Node.
 */

export const isMac = (): boolean => {
  const nav = globalThis.navigator as (Navigator & { userAgentData?: { platform?: string } }) | undefined;
  return /mac|iphone|ipad/i.test(nav?.userAgentData?.platform ?? nav?.platform ?? '');
};

export interface Shortcut {
  key: string;
  mod: boolean;
  ctrl: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

/** "mod+k /" -> shortcuts; `mod` is Cmd on Apple systems, Ctrl elsewhere. */
export function parseShortcuts(spec: string): Shortcut[] {
  return spec
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => {
      const parts = s.toLowerCase().split('+');
      const key = parts.pop() || '+';
      const has = (m: string) => parts.includes(m);
      return {
        key,
        mod: has('mod'),
        ctrl: has('ctrl') || has('control'),
        meta: has('meta') || has('cmd'),
        alt: has('alt') || has('option'),
        shift: has('shift'),
      };
    });
}

/** What `matches` reads of a KeyboardEvent. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export function matches(s: Shortcut, e: KeyPress): boolean {
  const mac = isMac();
  const ctrl = s.ctrl || (s.mod && !mac);
  const meta = s.meta || (s.mod && mac);
  return (
    e.key.toLowerCase() === s.key &&
    e.ctrlKey === ctrl &&
    e.metaKey === meta &&
    e.altKey === s.alt &&
    (s.key.length > 1 || /[a-z]/.test(s.key) ? e.shiftKey === s.shift : true)
  );
}

export function shortcutLabel(s: Shortcut): { text: string; aria: string } {
  const mac = isMac();
  const mods: [boolean, string, string][] = [
    [s.ctrl || (s.mod && !mac), mac ? '⌃' : 'Ctrl ', 'Control'],
    [s.meta || (s.mod && mac), '⌘', 'Meta'],
    [s.alt, mac ? '⌥' : 'Alt ', 'Alt'],
    [s.shift, mac ? '⇧' : 'Shift ', 'Shift'],
  ];
  const on = mods.filter((m) => m[0]);
  const key = s.key.length === 1 ? s.key.toUpperCase() : s.key;
  return { text: on.map((m) => m[1]).join('') + key, aria: [...on.map((m) => m[2]), key].join('+') };
}
