/**
 * What the listbox shows, decided apart from the DOM (pure, unit-tested in Node): hits grouped by
 * page, each option's text (its accessible name), and the "why" line. The element turns it into
 * elements (text nodes only).
 */
import { fill, readable } from './format.ts';
import type { WidgetHit, WidgetStrings } from './types.ts';

/** A listbox row: a hit, or a recent search (offered while the box is empty). */
export type Row = { kind: 'hit'; hit: WidgetHit } | { kind: 'recent'; query: string };

export interface RowGroup {
  /** The group's heading: the page's name, or the "Recent searches" string. */
  label: string;
  rows: Row[];
}

/** What an option for a hit says, in the order it is shown. */
export interface HitText {
  title: string;
  /** Hidden text after the title (", part 2", " (2)"): what tells options of the same text apart. */
  extra: string;
  /** Where the section is: the page, then the headings above it. */
  trail: string[];
  why: string;
}

/** The page a URL is on (resolved against `base`, anchor dropped), to group its sections. */
export function pageOf(url: string, base: string): string {
  try {
    const u = new URL(url, base);
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
}

/**
 * Rows grouped by page, groups in the order of their first (best) row. A page is its label and its
 * URL without anchor: two pages may share a title. Recent searches make one group.
 */
export function groupRows(rows: readonly Row[], recentLabel: string, base: string): RowGroup[] {
  const groups = new Map<string, RowGroup>();
  for (const row of rows) {
    const label = row.kind === 'recent' ? recentLabel : row.hit.page || row.hit.path[0] || row.hit.title;
    const key = row.kind === 'recent' ? '' : `${label}\u0000${pageOf(row.hit.url, base)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { label, rows: [] }));
    group.rows.push(row);
  }
  return [...groups.values()];
}

/**
 * The text of a hit's option under the page `page`. `names` counts the names given so far in one
 * listbox: the accessible name is the option's text (title, where it is, snippet, why), so what a
 * speech-input user sees is what they can say; a section's second part, or a repeat, says so in
 * hidden text.
 */
export function hitText(hit: WidgetHit, page: string, strings: WidgetStrings, names: Map<string, number>): HitText {
  const path = hit.path.length > 1 ? hit.path.slice(0, -1) : [];
  // The page's name once: a top heading that starts with it ("git-tag(1) Manual Page" under
  // "git-tag(1)") says it already.
  const top = path[0] ?? '';
  const trail = (top && page && top.startsWith(page) ? path : [page, ...path]).filter(
    (p, k, all) => p && p !== all[k - 1] && p !== hit.title,
  );
  const passage = Number(hit.fields?.['passage']);
  let extra = Number.isInteger(passage) && passage > 1 ? `, ${fill(strings.passage, { count: passage })}` : '';
  const key = `${hit.title}\u0000${trail.join('\u0000')}\u0000${hit.snippet?.text ?? ''}${extra}`;
  const seen = (names.get(key) ?? 0) + 1;
  names.set(key, seen);
  if (seen > 1) extra += ` (${seen})`;
  return { title: hit.title || hit.url, extra, trail, why: whyLine(hit, strings) };
}

/** "Matched: rebase 48% · branch 21% · history 9% (related)": the largest contributions, as shares of the score. */
export function whyLine(hit: WidgetHit, strings: WidgetStrings): string {
  const parts = (hit.contributions ?? []).filter((c) => c.product > 0).slice(0, 3);
  if (parts.length === 0 || !(hit.score > 0)) return '';
  const share = (product: number) => Math.round((100 * product) / hit.score);
  const part = (c: (typeof parts)[number]) =>
    `${readable(c.token)} ${share(c.product)}%${c.expansion ? ` (${strings.expansion})` : ''}`;
  return `${strings.why}: ${parts.map(part).join(' · ')}`;
}
