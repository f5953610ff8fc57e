// The widget's listbox logic apart from the DOM: grouping by page, option text, the "why" line, the
// combobox keys and recent searches.
import { describe, expect, it } from 'vitest';
import type { Contribution } from '../src/results/explain.ts';
import { listboxKey, type ListboxState } from '../src/widget/listbox.ts';
import { RECENT_MAX, RecentSearches, REMEMBER_KEY, type KeyValueStorage } from '../src/widget/recent.ts';
import { groupRows, hitText, pageOf, whyLine, type Row } from '../src/widget/results.ts';
import { DEFAULT_STRINGS, type WidgetHit } from '../src/widget/types.ts';

const base = 'https://docs.example/guide/index.html';
const hit = (over: Partial<WidgetHit> & { id: string }): WidgetHit => ({
  url: `#${over.id}`,
  title: over.id,
  path: [],
  score: 1,
  ...over,
});
const contribution = (token: string, product: number, expansion: boolean): Contribution => ({
  id: 0,
  token,
  queryWeight: 1,
  documentWeight: product,
  product,
  expansion,
});
const rows = (...hits: WidgetHit[]): Row[] => hits.map((h) => ({ kind: 'hit', hit: h }));

describe('grouping by page', () => {
  it("groups in the order of each page's best hit; a page is its name and its URL without anchor", () => {
    const groups = groupRows(
      rows(
        hit({ id: 'a', url: 'merge.html#a', page: 'git-merge' }),
        hit({ id: 'b', url: 'tag.html#b', page: 'git-tag' }),
        hit({ id: 'c', url: 'merge.html#c', page: 'git-merge' }),
        // Same title, another page: a group of its own.
        hit({ id: 'd', url: 'other/merge.html#d', page: 'git-merge' }),
      ),
      'Recent',
      base,
    );
    expect(groups.map((g) => [g.label, g.rows.map((r) => (r.kind === 'hit' ? r.hit.id : r.query))])).toEqual([
      ['git-merge', ['a', 'c']],
      ['git-tag', ['b']],
      ['git-merge', ['d']],
    ]);
  });
  it("names a page by page, else its top heading, else the hit's title; recent searches make one group", () => {
    const named = rows(hit({ id: 'x', path: ['Top', 'Sub'] }), hit({ id: 'y', url: 'y.html' }));
    const groups = groupRows(named, 'Recent', base);
    expect(groups.map((g) => g.label)).toEqual(['Top', 'y']);
    const recentRows: Row[] = [
      { kind: 'recent', query: 'q1' },
      { kind: 'recent', query: 'q2' },
    ];
    expect(groupRows(recentRows, 'Recent', base)).toEqual([{ label: 'Recent', rows: recentRows }]);
  });
  it('resolves URLs against the page and drops the anchor', () => {
    expect(pageOf('../docs/git-tag.html#_options', base)).toBe('https://docs.example/docs/git-tag.html');
    expect(pageOf('#here', base)).toBe(base);
    expect(pageOf('http://[bad', base)).toBe('http://[bad');
  });
});

describe('option text', () => {
  const s = DEFAULT_STRINGS;
  it('says where a section is: the page once, then the headings above it, never the title again', () => {
    const names = new Map<string, number>();
    const h = hit({ id: 'o', title: 'OPTIONS', path: ['git-tag(1) Manual Page', 'OPTIONS'] });
    const text = hitText(h, 'git-tag(1)', s, names);
    expect(text).toEqual({ title: 'OPTIONS', extra: '', trail: ['git-tag(1) Manual Page'], why: '' });
    const nested = hit({ id: 'n', title: 'Merge strategies', path: ['Guide', 'Merging', 'Merge strategies'] });
    expect(hitText(nested, 'Handbook', s, names).trail).toEqual(['Handbook', 'Guide', 'Merging']);
    // A page named as its top heading is said once.
    const intro = hit({ id: 't', title: 'Intro', path: ['Guide', 'Intro'] });
    expect(hitText(intro, 'Guide', s, names).trail).toEqual(['Guide']);
  });
  it("tells apart a section's later parts and repeated names, in hidden text", () => {
    const names = new Map<string, number>();
    const part = (passage: number) => hit({ id: `p${passage}`, title: 'Usage', path: ['Usage'], fields: { passage } });
    expect(hitText(part(1), 'Page', s, names).extra).toBe('');
    expect(hitText(part(2), 'Page', s, names).extra).toBe(', part 2');
    expect(hitText(part(1), 'Page', s, names).extra).toBe(' (2)');
    expect(hitText(part(2), 'Page', s, names).extra).toBe(', part 2 (2)');
    // A title-less hit is named by its URL.
    const untitled = hit({ id: 'u', title: '', url: 'https://x.example/a' });
    expect(hitText(untitled, 'Page', s, names).title).toBe('https://x.example/a');
  });
  it('explains a hit by its three largest positive contributions, as shares of the score', () => {
    const h = hit({
      id: 'w',
      score: 2,
      contributions: [
        contribution('rebase', 0.96, false),
        contribution('##ing', 0.42, true),
        contribution('▁history', 0.18, false),
        contribution('more', 0.1, false),
      ],
    });
    expect(whyLine(h, s)).toBe('Matched: rebase 48% · …ing 21% (related) · history 9%');
    expect(whyLine({ ...h, score: 0 }, s)).toBe('');
    expect(whyLine(hit({ id: 'none' }), s)).toBe('');
  });
});

describe('combobox keys', () => {
  const at = (over: Partial<ListboxState> = {}): ListboxState => ({
    count: 3,
    active: -1,
    expanded: true,
    composing: false,
    ...over,
  });
  const act = (key: string, over?: Partial<ListboxState>) => listboxKey(key, at(over)).action;
  it('moves with the arrows, wrapping around, and opens a collapsed list with ArrowDown', () => {
    expect(act('ArrowDown')).toEqual({ kind: 'activate', to: 0 });
    expect(act('ArrowDown', { active: 1 })).toEqual({ kind: 'activate', to: 2 });
    expect(act('ArrowDown', { active: 2 })).toEqual({ kind: 'activate', to: 0 });
    expect(act('ArrowUp')).toEqual({ kind: 'activate', to: 2 });
    expect(act('ArrowUp', { active: 0 })).toEqual({ kind: 'activate', to: 2 });
    expect(act('ArrowUp', { active: 2 })).toEqual({ kind: 'activate', to: 1 });
    expect(listboxKey('ArrowDown', at({ expanded: false }))).toEqual({ action: { kind: 'expand' }, consumed: true });
    // An empty list: the arrows still belong to the listbox, and do nothing.
    expect(listboxKey('ArrowUp', at({ count: 0 }))).toEqual({ action: { kind: 'none' }, consumed: true });
  });
  it('Home and End move through the list only while an option is active', () => {
    expect(listboxKey('Home', at({ active: 2 }))).toEqual({ action: { kind: 'activate', to: 0 }, consumed: true });
    expect(act('End', { active: 0 })).toEqual({ kind: 'activate', to: 2 });
    expect(listboxKey('Home', at())).toEqual({ action: { kind: 'none' }, consumed: false });
  });
  it('Enter chooses the active option, or the first; not while composing', () => {
    expect(act('Enter', { active: 1 })).toEqual({ kind: 'choose', index: 1 });
    expect(act('Enter')).toEqual({ kind: 'choose', index: 0 });
    expect(listboxKey('Enter', at({ count: 0 }))).toEqual({ action: { kind: 'none' }, consumed: true });
    expect(listboxKey('Enter', at({ composing: true }))).toEqual({ action: { kind: 'none' }, consumed: false });
  });
  it("Escape is the element's; moving the caret drops the active option; typing is the input's", () => {
    expect(listboxKey('Escape', at())).toEqual({ action: { kind: 'escape' }, consumed: true });
    const caret = listboxKey('ArrowLeft', at({ active: 1 }));
    expect(caret).toEqual({ action: { kind: 'activate', to: -1 }, consumed: false });
    expect(listboxKey('a', at({ active: 1 }))).toEqual({ action: { kind: 'none' }, consumed: false });
  });
});

describe('recent searches', () => {
  const memory = (): KeyValueStorage & { data: Map<string, string> } => {
    const data = new Map<string, string>();
    return {
      data,
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    };
  };
  const make = (storage: KeyValueStorage | undefined, key = 'site-a', off = false) =>
    new RecentSearches({ sourceKey: () => key, off: () => off, storage: () => storage });

  it('keeps chosen queries newest first, once each, at most RECENT_MAX, per source', () => {
    const store = memory();
    const a = make(store);
    for (const q of ['one', 'two', 'one', '', 'three']) a.add(q);
    expect(a.list()).toEqual(['three', 'one', 'two']);
    for (let k = 0; k < 20; k++) a.add(`q${k}`);
    expect(a.list()).toHaveLength(RECENT_MAX);
    expect(a.list()[0]).toBe('q19');
    expect(make(store, 'site-b').list()).toEqual([]);
    a.clear();
    expect(a.list()).toEqual([]);
  });
  it('the switch: off forgets the list and keeps nothing more; recent="off" overrides it', () => {
    const store = memory();
    const a = make(store);
    expect(a.remembering).toBe(true);
    a.add('kept');
    a.setRemembering(false);
    expect(store.data.get(REMEMBER_KEY)).toBe('0');
    expect(a.remembering).toBe(false);
    expect(store.data.has('splade-search:recent:site-a')).toBe(false);
    a.add('not kept');
    a.setRemembering(true);
    expect(a.list()).toEqual([]);
    a.add('kept');
    expect(make(store, 'site-a', true).remembering).toBe(false);
    expect(make(store, 'site-a', true).list()).toEqual([]);
  });
  it('works without storage, and with storage that refuses or holds junk', () => {
    expect(make(undefined).remembering).toBe(true);
    make(undefined).add('x');
    expect(make(undefined).list()).toEqual([]);
    const refuse = () => {
      throw new Error('QuotaExceededError: the storage is full');
    };
    const full = { ...memory(), setItem: refuse };
    make(full).add('x');
    make(full).setRemembering(false);
    const junk = memory();
    junk.setItem('splade-search:recent:site-a', '{not json');
    expect(make(junk).list()).toEqual([]);
    junk.setItem('splade-search:recent:site-a', JSON.stringify(['a', 7, null, 'b']));
    expect(make(junk).list()).toEqual(['a', 'b']);
  });
});
