/**
 * The query runtime a built site loads: `<dir>/splade.js`, a self-contained ES module.
 *
 *   const splade = await import('/search/splade.js');
 *   const hits = await splade.search('rebase a branch', { limit: 5 });
 *   // [{ id, url, title, path, score, fields, snippet: { text, offset, highlights } }]
 *
 * It opens the index the build packed beside it over a read-only HTTP store. The entry (one
 * request) holds what every query needs: the index's layout and manifest, the page table, the
 * tokenizer's and word list's configs. Per query it then fetches, in parallel where it can, the
 * tokenizer shards and word-list shards of its words, the dictionary pages and posting chunks of
 * its terms, and the record files of the sections it shows; searchPages groups sections by page
 * through the page table, reading no section metadata. With an inference-free model the query is
 * tokenized by the sharded WordPiece (no transformer, no onnxruntime); a symmetric model's encoder
 * module is loaded only by sites built with one. Everything fetched is kept in the Cache API, so a
 * site searched once searches offline. A site rebuilt under an open page is noticed (a build file
 * gone, or an entry that names another build) and the query is answered from the new index alone.
 * Nothing here touches the DOM: it runs in a page or a Worker, and hits carry text, never HTML.
 */
import { SpladeError } from '../errors.ts';
import { ReadOnlyIndex } from '../index/engine/read-only.ts';
import type { SearchOptions } from '../index/engine/types.ts';
import {
  fetchCurrentJson,
  fetchImmutableJson,
  forgetOtherBuilds,
  openHttpStore,
  type HttpStoreOptions,
} from '../index/store/http.ts';
import { checkLayout, PageTable } from '../index/store/pack.ts';
import type { ReadableStore } from '../index/store/types.ts';
import type { Hit } from '../results/hits.ts';
import type { SparseVector } from '../vector.ts';
import { ENTRY_FILE, SITE_FORMAT, SITE_VERSION, type SiteEntry } from './site.ts';
import type { QueryEncoderOptions } from './model-encoder.ts';
import { encodeTypedQuery, type QueryWords } from './query-words.ts';
import { ShardedWordPiece } from './wordpiece.ts';
import { readWordPieceConfig, type WordPieceShard } from './wordpiece-format.ts';
import { DEFAULT_PAGE_SCORING, pageScore, SiteReader, type PageScoring } from './page-search.ts';
import { SiteWords } from './words.ts';
import { readWordsConfig, readWordsShard } from './words-format.ts';

export type { QueryWords, UnmatchedWord } from './query-words.ts';
export type { PageScoring } from './page-search.ts';

export interface SiteHit extends Hit {
  /** The section's URL, with its anchor. */
  url: string;
  /** The section's heading (the page title for text before the first heading). */
  title: string;
  /** Headings from the page's top one down to the section's own. */
  path: string[];
}

export interface SiteSearchOptions {
  /** Hits to return (default 10). Only these hits' records are fetched. */
  limit?: number;
  /** Add per-token contributions with their source spans (the snippet is always there). */
  explain?: boolean;
  /** Exact field values (data-splade-filter / -meta), or a predicate over fields and id. */
  filter?: SearchOptions['filter'];
  signal?: AbortSignal;
  /**
   * Search as you type: when the query does not end in whitespace, its last word is a prefix,
   * expanded to the words pages hold that start with it (those held by most sections, sharing one
   * word's weight) instead of being split into sub-word pieces. Default: true in searchPages, false
   * in search. Sites built with a symmetric model have no word list: there it changes nothing.
   */
  prefix?: boolean;
  /**
   * Check each whole word against the words pages hold: a word no page holds is reported (with the
   * nearest words pages hold, see searchPagesWithWords) and its pieces are left out of the query, so
   * the sub-word pieces of a made-up word rank nothing. Default: true in searchPages, false in search.
   */
  matchWords?: boolean;
}

export interface RuntimeOptions {
  /** The folder the index was built into (default: the folder this module was loaded from). */
  base?: string;
  /** Cache API cache name (default one per base URL); null keeps nothing (no offline search). */
  cacheName?: string | null;
  onFetch?: HttpStoreOptions['onFetch'];
  /**
   * Sites built with a symmetric model: where queries are encoded. 'auto' (default): WebGPU on a
   * hardware GPU, WASM otherwise (a software adapter such as SwiftShader is slower than WASM).
   */
  device?: 'auto' | 'webgpu' | 'wasm';
  /**
   * Milliseconds between looks at whether the site was rebuilt (the entry, revalidated beside a
   * query; default 60 000; 0: beside every query). A query that needs a file of a build that is
   * gone notices at once whatever this says.
   */
  checkEvery?: number;
}

interface QueryEncoder {
  encodeQuery(text: string): Promise<SparseVector>;
  /** Inference-free sites with a word list: the vector of a typed query and what its words matched. */
  encodeTyped?(text: string, options: { prefix: boolean; matchWords: boolean }): Promise<TypedVector>;
  token(id: number): string;
  /** A model encoder's device ('webgpu' | 'wasm') once it encoded a query. */
  readonly device?: string | undefined;
  /** Frees a model encoder's onnxruntime session (and GPU memory). */
  dispose?(): Promise<void>;
}

interface TypedVector {
  vector: SparseVector;
  words: QueryWords;
}

interface Opened {
  /** The engine over the site's store, for search() and filtered searches: opened when first needed. */
  index(): Promise<ReadOnlyIndex>;
  /** The page search (page table, no section metadata). */
  pages: SiteReader;
  encoder: QueryEncoder;
  entry: SiteEntry;
  base: string;
  http: HttpStoreOptions;
  /** When the entry was last fetched (performance.now()). */
  checked: number;
}

let settings: RuntimeOptions = {};
let opened: Promise<Opened> | undefined;

/** Options for the next open (call before the first search; later calls reopen). */
export function configure(options: RuntimeOptions): void {
  settings = { ...options };
  const previous = opened;
  opened = undefined;
  // A model encoder holds an onnxruntime session: freed once the reopened site replaces it.
  previous
    ?.then(
      (o) => o.encoder.dispose?.(),
      () => {},
    )
    .catch(() => {});
}

function baseUrl(): string {
  return new URL(settings.base ?? '.', import.meta.url).href.replace(/\/?$/, '/');
}

/** Opens the site's index (done by the first search; call it early to warm up). */
export function open(): Promise<Opened> {
  opened ??= openSite().catch((error: unknown) => {
    opened = undefined; // a failed open (offline, say) is tried again by the next search
    throw error;
  });
  return opened;
}

async function openSite(fetched?: SiteEntry): Promise<Opened> {
  const base = baseUrl();
  const http: HttpStoreOptions = {};
  if (settings.cacheName !== undefined) http.cacheName = settings.cacheName;
  if (settings.onFetch) http.onFetch = settings.onFetch;
  const entry = fetched ?? (await fetchEntry(base, http));
  const layout = checkLayout(entry.index, `${base}${ENTRY_FILE} (index)`);
  const store = openHttpStore(base, layout, http);
  let pages: SiteReader | undefined;
  try {
    const table = new PageTable(layout.pages);
    const [encoder, reader] = await Promise.all([
      queryEncoder(entry, base, http),
      SiteReader.open(store, table, layout.headsPerFile),
    ]);
    pages = reader;
    let index: Promise<ReadOnlyIndex> | undefined;
    const opened: Opened = {
      index: () => (index ??= ReadOnlyIndex.open(sharedStore(store), 'site', (id) => encoder.token(id))),
      pages: reader,
      encoder,
      entry,
      base,
      http,
      checked: performance.now(),
    };
    void forgetOtherBuilds(base, layout.folder, http);
    return opened;
  } catch (error) {
    (pages ?? store).close();
    throw error;
  }
}

/** The store, shared by the page search and the engine: closing one does not close it under the other. */
function sharedStore(store: ReadableStore): ReadableStore {
  return { get: (k) => store.get(k), getMany: (k) => store.getMany(k), close() {} };
}

/** The entry, checked: a format this runtime cannot read is a clear index-schema error. */
async function fetchEntry(base: string, http: HttpStoreOptions): Promise<SiteEntry> {
  const entry = await fetchCurrentJson<SiteEntry>(new URL(ENTRY_FILE, base).href, http);
  if (entry?.format !== SITE_FORMAT || entry.version !== SITE_VERSION) {
    const found =
      entry?.format === SITE_FORMAT
        ? `a splade-web site index of version ${JSON.stringify(entry.version ?? null)}`
        : 'not a splade-web site index';
    throw new SpladeError(
      'index-schema',
      `${base}${ENTRY_FILE} is ${found}; this splade.js reads version ${SITE_VERSION} only: rebuild the site with this version (npx splade-web build)`,
      { file: ENTRY_FILE },
    );
  }
  return entry;
}

/**
 * Runs `work` on the open site. A site rebuilt and redeployed under this page shows as a build file
 * gone (index-changed, or the engine's index-corrupt after its own retry) or, for a query that
 * needs no file it has not read, as an entry naming another build: the entry is revalidated beside
 * the query (a conditional request, usually a 304; not on the query's critical path) when the last
 * look is older than `checkEvery`. Either way the entry is fetched again, once, and `work` runs
 * again on the new index alone: a query never mixes the postings of one build with the records
 * of another. An error while the entry still names the same build is the error.
 */
async function onSite<T>(work: (o: Opened) => Promise<T>): Promise<T> {
  const o = await open();
  const due = performance.now() - o.checked >= (settings.checkEvery ?? 60_000);
  const moved = due ? newerEntry(o) : undefined;
  let result: T;
  try {
    result = await work(o);
  } catch (error) {
    if (!(error instanceof SpladeError) || !['index-changed', 'index-corrupt', 'network'].includes(error.code))
      throw error;
    const fresh = await (moved ?? newerEntry(o));
    if (!fresh) throw error;
    return work(await reopen(o, fresh));
  }
  const fresh = await moved;
  return fresh ? work(await reopen(o, fresh)) : result;
}

/** The site's entry if it now names another build than `o`'s (undefined when not, or offline). */
async function newerEntry(o: Opened): Promise<SiteEntry | undefined> {
  o.checked = performance.now();
  const fresh = await fetchEntry(o.base, o.http).catch(() => undefined);
  return fresh !== undefined && fresh.index?.folder !== o.entry.index.folder ? fresh : undefined;
}

/** Drops `stale` (if it is still the open site) and opens the site again from `entry` (just fetched). */
async function reopen(stale: Opened, entry: SiteEntry): Promise<Opened> {
  if (opened) {
    const current = await opened.catch(() => undefined);
    if (current === stale) {
      opened = undefined;
      release(stale);
      opened = openSite(entry).catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
    }
  }
  return open();
}

function release(o: Opened): void {
  void o.encoder.dispose?.().catch(() => {});
  void o
    .index()
    .then((i) => i.dispose())
    .catch(() => {});
  o.pages.close();
}

async function queryEncoder(entry: SiteEntry, base: string, http: HttpStoreOptions): Promise<QueryEncoder> {
  if (entry.query.kind === 'static') {
    const q = entry.query;
    const url = new URL(q.tokenizer, base).href;
    const config = readWordPieceConfig(q.config ?? (await fetchImmutableJson<unknown>(url, http)), url);
    const wordpiece = new ShardedWordPiece(config, (k) =>
      fetchImmutableJson<WordPieceShard>(new URL(config.files![k]!, base).href, http),
    );
    // Names of the query's tokens, for explanations (every contribution is a query term).
    const names = new Map<number, string>();
    const encoder: QueryEncoder = {
      async encodeQuery(text) {
        const tokens = await wordpiece.tokens(text);
        for (const t of tokens) names.set(t.id, t.token);
        return wordpiece.encodeQuery(text);
      },
      token: (id) => names.get(id) ?? `#${id}`,
    };
    if (!entry.words) return encoder;
    const wordsUrl = new URL(entry.words, base).href;
    // The word list's config is in the entry (a file before version 3); its shards are read by queries.
    let words: Promise<SiteWords> | undefined;
    const inline = entry.wordsConfig;
    const siteWords = () =>
      (words ??= (inline ? Promise.resolve<unknown>(inline) : fetchImmutableJson<unknown>(wordsUrl, http)).then(
        (value) => {
          const c = readWordsConfig(value, wordsUrl);
          return new SiteWords(c, async (k) => {
            const url = new URL(c.files[k]!, base).href;
            return readWordsShard(await fetchImmutableJson<unknown>(url, http), url);
          });
        },
      )).catch((error: unknown) => {
        words = undefined; // offline, say: asked again by the next query
        throw error;
      });
    encoder.encodeTyped = async (text, options) => {
      const typed = await encodeTypedQuery(text, wordpiece, await siteWords(), options);
      for (const p of typed.pieces) names.set(p.id, p.token);
      return { vector: typed.vector, words: typed.words };
    };
    return encoder;
  }
  const q = entry.query;
  // Only sites built with a symmetric model load the encoder (and onnxruntime-web with it).
  const module = (await import(
    /* @vite-ignore */ new URL(q.encoder, base).href
  )) as typeof import('./model-encoder.ts');
  const options: QueryEncoderOptions = {
    wasm: { mjs: new URL(q.runtime.mjs, base).href, wasm: new URL(q.runtime.wasm, base).href },
  };
  if (settings.device) options.device = settings.device;
  if (settings.cacheName !== undefined) options.cacheName = settings.cacheName;
  return module.loadQueryEncoder(new URL(q.model, base).href, options);
}

/** The top sections for `query`, best first. */
export async function search(query: string, options: SiteSearchOptions = {}): Promise<SiteHit[]> {
  checkQuery(query, options);
  return onSite(async (site) => {
    const { vector } = await prepare(site, query, options, false);
    const engine: SearchOptions = { limit: options.limit ?? 10, explain: true };
    if (options.filter !== undefined) engine.filter = options.filter;
    if (options.signal) engine.signal = options.signal;
    return (await (await site.index()).search(vector, engine)).map((h) => siteHit(h, options.explain === true));
  });
}

export interface PageResult {
  /** The page's URL (no anchor). */
  url: string;
  /** The page's title (its title element or top heading). */
  title: string;
  /** What pages are ranked by: the sum of the scores of its best sections (up to sectionsPerPage). */
  score: number;
  /**
   * Its best sections, best first. The first carries the snippet (and the explanation when asked);
   * the others url, title, heading path and score, so a results list can show them under the page
   * without reading their records.
   */
  sections: SiteHit[];
}

export interface PageSearchOptions extends SiteSearchOptions {
  /** Pages to return (default 5). */
  limit?: number;
  /** Sections per page that count towards its score and come with it (default 3). */
  sectionsPerPage?: number;
  /**
   * How a page's sections add up to its score: each further section counts `laterSection` times
   * the one before (default 0.75; 0 ranks a page by its best section alone, 1 by their sum), and
   * the page's lead section (its first: title and summary) `leadSection` times its score (default
   * 1; 0 leaves it out). The lead is not counted with a filter. Defaults measured on three sites
   * (DESIGN.md, Pages from sections).
   */
  pageScoring?: Partial<PageScoring>;
}

/**
 * Sections scored to rank pages: the top ones by section, grouped by page. A page outside them has
 * no section among the best PAGE_CANDIDATES, so it could only enter by many weak sections.
 */
const PAGE_CANDIDATES = 50;

/**
 * The top pages for `query`: sections grouped by page (the URL without its anchor), each page
 * ranked by its best sections' scores, each further one counting less (pageScore), and its lead
 * section's once more, so that a page with several matching sections ranks above one with a single
 * stray match, and a page whose title and summary state the query's subject above both. Only the best section of each page returned is read
 * (its snippet); the rest come from the index's metadata.
 */
export async function searchPages(query: string, options: PageSearchOptions = {}): Promise<PageResult[]> {
  return (await searchPagesWithWords(query, options)).pages;
}

export interface PageSearch {
  pages: PageResult[];
  /**
   * What the query's words matched: words no page holds (left out of the query) with the nearest
   * words pages hold, and what a partial last word was completed to. Empty on sites without a word
   * list (symmetric models) and with prefix and matchWords both false.
   */
  words: QueryWords;
}

/** searchPages, with what the query's words matched (a search box says "No match for …" from it). */
export async function searchPagesWithWords(query: string, options: PageSearchOptions = {}): Promise<PageSearch> {
  const limit = options.limit ?? 5;
  const per = options.sectionsPerPage ?? 3;
  for (const [name, n] of [
    ['limit', limit],
    ['sectionsPerPage', per],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new SpladeError(
        'invalid-option',
        `searchPages() option ${name} must be a whole number from 1, got ${String(n)}`,
      );
  }
  const scoring = { ...DEFAULT_PAGE_SCORING, ...options.pageScoring };
  for (const [name, n] of Object.entries(scoring))
    if (typeof n !== 'number' || !(n >= 0 && n <= 1e6))
      throw new SpladeError(
        'invalid-option',
        `searchPages() option pageScoring.${name} must be a number from 0, got ${String(n)}`,
      );
  checkQuery(query, options);
  return onSite(async (site) => {
    const { vector, words } = await prepare(site, query, options, true);
    // A query all of whose words matched nothing has no vector: no page, and no index read.
    if (vector.indices.length === 0) return { pages: [], words };
    const candidates = Math.max(PAGE_CANDIDATES, limit * per * 2);
    if (options.filter !== undefined) {
      const index = await site.index();
      return { pages: await filteredPages(index, vector, options, candidates, limit, per, scoring), words };
    }
    const found = await site.pages.searchPages(vector, {
      candidates,
      per,
      limit,
      scoring,
      tokenOf: (id) => site.encoder.token(id),
      signal: options.signal,
    });
    const pages = found.pages.map((p, k) => pageResult(found.best[k]!, found.others[k]!, p.score, options));
    return { pages, words };
  });
}

function pageResult(best: Hit, others: readonly Hit[], score: number, options: SiteSearchOptions): PageResult {
  const first = siteHit(best, options.explain === true);
  return {
    url: pageUrl(best),
    title: typeof first.fields['page'] === 'string' ? first.fields['page'] : (first.path[0] ?? first.title),
    score,
    sections: [first, ...others.map((h) => siteHit(h, false))],
  };
}

/**
 * searchPages with a filter: the engine's search, which reads the sections' metadata to filter
 * them, grouping its hits by URL (the page table says nothing of fields).
 */
async function filteredPages(
  index: ReadOnlyIndex,
  vector: SparseVector,
  options: PageSearchOptions,
  candidates: number,
  limit: number,
  per: number,
  scoring: PageScoring,
): Promise<PageResult[]> {
  let pages: { sections: Hit[]; score: number }[] = [];
  const engine: SearchOptions = {
    limit: candidates,
    explain: true,
    pick(hits) {
      const byPage = new Map<string, Hit[]>();
      for (const h of hits) {
        const key = pageUrl(h);
        const list = byPage.get(key);
        if (list) list.push(h);
        else byPage.set(key, [h]);
      }
      pages = [...byPage.values()].map((all) => {
        const sections = all.slice(0, per);
        // The lead section is not scored here: the engine's filtered search gives hits, not the
        // posting lists that price it.
        return {
          sections,
          score: pageScore(
            sections.map((h) => h.score),
            0,
            scoring,
          ),
        };
      });
      // Stable: pages of equal score keep the order of their best section.
      pages = pages
        .map((p, k) => ({ p, k }))
        .sort((a, b) => b.p.score - a.p.score || a.k - b.k)
        .map((x) => x.p)
        .slice(0, limit);
      return pages.map((p) => p.sections[0]!);
    },
  };
  if (options.filter !== undefined) engine.filter = options.filter;
  if (options.signal) engine.signal = options.signal;
  const best = await index.search(vector, engine);
  if (best.length === 0) return [];
  return pages.map((p, k) => pageResult(best[k]!, p.sections.slice(1), p.score, options));
}

function checkQuery(query: string, options: SiteSearchOptions): void {
  if (typeof query !== 'string')
    throw new SpladeError(
      'invalid-input',
      `search() takes the query as a string, got ${query === null ? 'null' : typeof query}`,
    );
  for (const name of ['prefix', 'matchWords'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean')
      throw new SpladeError('invalid-option', `search option ${name} must be true or false, got ${String(value)}`);
  }
}

/** The query's vector; `typing` is the default of the prefix and matchWords options. */
async function prepare(
  site: Opened,
  query: string,
  options: SiteSearchOptions,
  typing: boolean,
): Promise<{ vector: SparseVector; words: QueryWords }> {
  const prefix = options.prefix ?? typing;
  const matchWords = options.matchWords ?? typing;
  const { encoder } = site;
  if (encoder.encodeTyped && (prefix || matchWords)) return encoder.encodeTyped(query, { prefix, matchWords });
  return { vector: await encoder.encodeQuery(query), words: { unmatched: [] } };
}

function pageUrl(h: Hit): string {
  const url = (h.fields as { url?: unknown }).url;
  return (typeof url === 'string' ? url : h.id).replace(/#.*$/, '');
}

function siteHit(h: Hit, withContributions: boolean): SiteHit {
  const fields = h.fields as { url?: string; path?: string[]; page?: string };
  const path = Array.isArray(fields.path) ? fields.path.map(String) : [];
  const hit: SiteHit = {
    ...h,
    url: typeof fields.url === 'string' ? fields.url : h.id,
    title: path[path.length - 1] ?? String(fields.page ?? ''),
    path,
  };
  if (!withContributions) delete hit.contributions;
  return hit;
}

/** The query vector (ids and static weights, or the model's), as the index scores it. */
export async function encodeQuery(query: string): Promise<SparseVector> {
  return (await open()).encoder.encodeQuery(query);
}
