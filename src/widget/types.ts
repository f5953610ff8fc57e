/**
 * What the <splade-search> element shows and where it gets it from. A source is anything with a
 * `search()`: the static index a `splade-web build` wrote (the default), an IndexedDB SparseIndex,
 * the current page's own sections, or one a page sets on `element.source` itself.
 */
import type { Contribution } from '../results/explain.ts';
import type { Highlight } from '../results/snippet.ts';

/**
 * The DOM's Element where there is a DOM (`never` elsewhere): the widget's pure parts, unit-tested in
 * Node, pass hits around without touching their element, and Node has no DOM types to name it by.
 */
export type PageElement = typeof globalThis extends { Element: { prototype: infer E } } ? E : never;

export interface WidgetHit {
  id: string;
  /** Where the hit leads: a URL with its anchor (relative to the page, or absolute). */
  url: string;
  /** The section's heading. */
  title: string;
  /** Headings from the page's top one down to the section's own. */
  path: string[];
  score: number;
  /** The page the section is on (results are grouped by it); default: the first heading of `path`. */
  page?: string;
  snippet?: { text: string; highlights: readonly Highlight[] };
  /** Per-token contributions (largest first): the "why this result" line. */
  contributions?: readonly Contribution[];
  /** Fields the index holds for the section (meta, filters). */
  fields?: Record<string, unknown>;
  /** For the page source: the element the section starts at (scrolled to on selection). */
  target?: PageElement;
}

export interface SourceSearchOptions {
  limit: number;
  signal: AbortSignal;
  /**
   * The query is being typed: unless it ends in whitespace, its last word may be partial (the
   * static index completes it from the words its pages hold). The element always sets it.
   */
  prefix?: boolean;
}

/** A query word no page holds, and the words pages hold that are close to it (nearest first). */
export interface UnmatchedWord {
  word: string;
  suggestions: readonly string[];
}

/** What a source may answer instead of bare hits: the hits, and the query's words that matched nothing. */
export interface SourceAnswer {
  hits: WidgetHit[];
  /** Shown as "No match for “word”. Did you mean …?" above the results. */
  unmatched?: readonly UnmatchedWord[];
}

export interface SearchSource {
  search(query: string, options: SourceSearchOptions): Promise<WidgetHit[] | SourceAnswer>;
  /** Starts loading what the first search needs (called when the widget opens). */
  warm?(): Promise<void>;
  /** A key that tells sources apart (recent searches are kept per source). */
  readonly key: string;
  dispose?(): void;
  /** The page source's figures: sections found, and how many were encoded now or came from the cache. */
  readonly stats?: { sections: number; encoded: number; reused: number } | undefined;
}

/** Every string the widget shows or announces; `{query}`, `{count}`, `{message}` are filled in. */
export interface WidgetStrings {
  button: string;
  label: string;
  placeholder: string;
  results: string;
  close: string;
  loading: string;
  searching: string;
  empty: string;
  one: string;
  count: string;
  offline: string;
  unreachable: string;
  error: string;
  recent: string;
  clearRecent: string;
  rememberRecent: string;
  why: string;
  expansion: string;
  passage: string;
  hint: string;
  /** A query word no page holds: `{word}`. */
  noMatch: string;
  /** The nearest word pages hold, offered as a button where `{suggestion}` is. */
  didYouMean: string;
}

export const DEFAULT_STRINGS: WidgetStrings = {
  button: 'Search',
  label: 'Search the documentation',
  placeholder: 'Search…',
  results: 'Search results',
  close: 'Close',
  loading: 'Loading the search index…',
  searching: 'Searching…',
  empty: 'No results for “{query}”',
  one: '1 result',
  count: '{count} results',
  offline:
    'Search is not available offline yet: this site’s index has not been downloaded. Search once while online, then it works offline.',
  unreachable: 'The search index could not be loaded: {message}',
  error: 'Search failed: {message}',
  recent: 'Recent searches',
  clearRecent: 'Clear recent searches',
  rememberRecent: 'Remember searches',
  why: 'Matched',
  expansion: 'related',
  passage: 'part {count}',
  hint: '↑ ↓ to choose, Enter to open, Esc to close',
  noMatch: 'No match for “{word}”.',
  didYouMean: 'Did you mean {suggestion}?',
};

/** The element's events (all bubble and cross the shadow boundary). */
export interface SpladeSearchEventMap {
  /** The dialog (or inline list) opened. */
  'splade-search:open': CustomEvent<Record<string, never>>;
  'splade-search:close': CustomEvent<Record<string, never>>;
  /** Hits for the latest query arrived (older ones are dropped, never dispatched). */
  'splade-search:results': CustomEvent<{
    query: string;
    hits: readonly WidgetHit[];
    /** Query words no page holds (empty when every word matched, or the source does not say). */
    unmatched: readonly UnmatchedWord[];
  }>;
  /** A hit was chosen; cancel it (preventDefault) to navigate yourself. */
  'splade-search:select': CustomEvent<{ query: string; hit: WidgetHit }>;
  'splade-search:error': CustomEvent<{ query: string; error: unknown }>;
}
