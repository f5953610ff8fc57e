// The widget's pure parts: shortcut specs and matching, the links it follows, its text helpers.
import { describe, expect, it } from 'vitest';
import { SpladeError } from '../src/errors.ts';
import { errorText, failureText, fill, readable, safeUrl } from '../src/widget/format.ts';
import { DEFAULT_STRINGS } from '../src/widget/types.ts';
import { matches, parseShortcuts, shortcutLabel, type KeyPress } from '../src/widget/shortcuts.ts';

const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {},
): KeyPress => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

/**
 * errors.ts loaded once more as a module of its own (a query string makes a new module id): the class a
 * separately bundled file would hold. A computed specifier keeps TypeScript from resolving it.
 */
const secondCopy = (tag: string) => `../src/errors.ts?${tag}`;

describe('shortcuts', () => {
  it('parses the default spec and matches Ctrl+K and / off Apple systems', () => {
    const [modK, slash] = parseShortcuts('mod+k /');
    expect(modK).toMatchObject({ key: 'k', mod: true });
    expect(matches(modK!, key('k', { ctrlKey: true }))).toBe(true);
    expect(matches(modK!, key('K', { ctrlKey: true }))).toBe(true);
    expect(matches(modK!, key('k'))).toBe(false);
    expect(matches(modK!, key('k', { ctrlKey: true, altKey: true }))).toBe(false);
    expect(matches(slash!, key('/'))).toBe(true);
    // "/" on layouts where it needs Shift still counts (the key is what was typed).
    expect(matches(slash!, key('/', { shiftKey: true }))).toBe(true);
    expect(matches(slash!, key('/', { ctrlKey: true }))).toBe(false);
  });
  it('takes commas, other modifiers, and nothing', () => {
    expect(parseShortcuts('')).toEqual([]);
    const [s] = parseShortcuts('ctrl+shift+f');
    expect(matches(s!, key('F', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(matches(s!, key('f', { ctrlKey: true }))).toBe(false);
    expect(parseShortcuts('alt+s, meta+k').map((x) => x.key)).toEqual(['s', 'k']);
  });
  it('names shortcuts for aria-keyshortcuts', () => {
    expect(parseShortcuts('mod+k /').map((s) => shortcutLabel(s).aria)).toEqual(['Control+K', '/']);
    expect(shortcutLabel(parseShortcuts('ctrl+k')[0]!).text).toBe('Ctrl K');
  });
});

describe('links', () => {
  const base = 'https://docs.example/guide/page.html';
  it('follows http(s) links, relative ones resolved against the page', () => {
    expect(safeUrl('/docs/git-tag.html#_options', base)?.href).toBe('https://docs.example/docs/git-tag.html#_options');
    expect(safeUrl('#here', base)?.href).toBe('https://docs.example/guide/page.html#here');
    expect(safeUrl('http://other.example/x', base)?.href).toBe('http://other.example/x');
  });
  it('never follows script, data, blob, file or malformed URLs', () => {
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>x</script>',
      'blob:https://docs.example/1',
      'file:///etc/passwd',
      'vbscript:x',
      'http://[bad',
    ]) {
      expect(safeUrl(bad, base), bad).toBeUndefined();
    }
  });
});

describe('text', () => {
  it('fills templates, leaving unknown names', () => {
    expect(fill('{count} results for {query}', { count: 3, query: 'q' })).toBe('3 results for q');
    expect(fill('{other}', {})).toBe('{other}');
  });
  it('shows subword tokens readably', () => {
    expect(['##ing', 'Ġword', '▁word', 'plain'].map(readable)).toEqual(['…ing', 'word', 'word', 'plain']);
  });
  it('shows an error by its message', () => {
    expect(errorText(new SpladeError('index-missing', 'the index is gone'))).toBe('the index is gone');
    expect(errorText('plain')).toBe('plain');
  });
});

describe('failure status', () => {
  const s = DEFAULT_STRINGS;
  it('says offline for a failed download while offline, "could not be loaded" for load failures', () => {
    const download = new SpladeError('network', 'could not fetch /search/splade-entry.json (Failed to fetch)');
    expect(failureText(download, s, true)).toBe(s.offline);
    expect(failureText(download, s, false)).toBe(`The search index could not be loaded: ${download.message}`);
    const schema = new SpladeError('index-schema', 'rebuild it with this version');
    expect(failureText(schema, s, true)).toBe('The search index could not be loaded: rebuild it with this version');
  });
  it('branches on the code of a SpladeError from another bundle, never on the message', async () => {
    const other = (await import(/* @vite-ignore */ secondCopy('widget-copy'))) as typeof import('../src/errors.ts');
    expect(failureText(new other.SpladeError('network', 'x'), s, true)).toBe(s.offline);
    // A message that reads like a network failure is still a failed search when its code says so.
    expect(failureText(new other.SpladeError('invalid-option', 'could not load: network offline'), s, true)).toBe(
      'Search failed: could not load: network offline',
    );
    // Not a SpladeError (a custom source's own error): a failed search, whatever its text.
    expect(failureText(new TypeError('Failed to fetch'), s, true)).toBe('Search failed: Failed to fetch');
  });
});
