/**
 * The sources the element's `source` attribute names. The static one imports the query runtime
 * that `splade-web build` wrote beside the index (`<index>/splade.js`), only when the widget first
 * opens; `idb` and `page` need the encoder, so they import the widget engine (a separate bundle
 * with onnxruntime-web, `splade-engine.js` beside this script) at that point, and never before.
 */
import { SpladeError } from '../errors.ts';
import { errorText } from './format.ts';
import type { SearchSource, WidgetHit } from './types.ts';

type RuntimeHit = WidgetHit & { fields: Record<string, unknown> };
interface SiteRuntime {
  open(): Promise<unknown>;
  search(query: string, options: { limit: number; explain: boolean; signal: AbortSignal }): Promise<RuntimeHit[]>;
  /** Runtimes built since sites hold their words (older ones lack it): pages, and the words that matched nothing. */
  searchPagesWithWords?(
    query: string,
    options: { limit: number; sectionsPerPage: number; explain: boolean; signal: AbortSignal; prefix: boolean },
  ): Promise<{
    pages: { title: string; sections: RuntimeHit[] }[];
    words: { unmatched: { word: string; suggestions: string[] }[] };
  }>;
  /** Runtimes built since pages are grouped (older ones lack it). */
  searchPages?(
    query: string,
    options: { limit: number; sectionsPerPage: number; explain: boolean; signal: AbortSignal },
  ): Promise<{ title: string; sections: RuntimeHit[] }[]>;
}

/** Sections shown per page: the best with its snippet, then up to two more by heading. */
const SECTIONS_PER_PAGE = 3;

export interface PageSourceOptions {
  /** A model folder URL or a hub id. */
  model: string;
  /** Base URL of the hub a hub id is loaded from (default https://huggingface.co). */
  hubUrl?: string;
  /** The part of the page whose sections are searched (default: main, [role=main], article, body). */
  root?: Element;
  /** Elements left out besides nav, header, footer, aside and [data-splade-ignore]. */
  ignore?: string;
}

export interface IndexSourceOptions {
  name: string;
  model: string;
  hubUrl?: string;
}

/** What splade-engine.js exports. */
export interface WidgetEngine {
  pageSource(options: PageSourceOptions): Promise<SearchSource>;
  indexSource(options: IndexSourceOptions): Promise<SearchSource>;
}

/**
 * Imports a module by URL. Specifiers are computed: the bundler must not pull either module into
 * this one. A failed import is a SpladeError, so the element tells "could not download" (a TypeError:
 * offline, HTTP 404, wrong MIME type) from a module that failed to run, by code alone.
 */
const load = <T>(url: string): Promise<T> =>
  (import(/* @vite-ignore */ url) as Promise<T>).catch((cause: unknown) => {
    const code = cause instanceof TypeError ? 'network' : 'runtime';
    throw new SpladeError(code, `${url} could not be imported (${errorText(cause)})`, { file: url, cause });
  });

/**
 * `make()` once, its promise shared; a failure is forgotten, so the next call makes it again
 * (`attempt` counts the failures so far).
 */
function retrying<T>(make: (attempt: number) => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  let failures = 0;
  return () =>
    (pending ??= make(failures).catch((error: unknown) => {
      pending = undefined;
      failures++;
      throw error;
    }));
}

/** The static index in the folder `index` (a URL, resolved against the page). */
export function staticSource(index: string): SearchSource {
  const base = new URL(index.replace(/\/?$/, '/'), document.baseURI).href;
  // A module that failed to load stays failed for its URL in this document: a retry asks for
  // another URL (the reader may be back online).
  const get = retrying((attempt) => {
    const url = new URL('splade.js', base);
    if (attempt) url.searchParams.set('retry', String(attempt));
    return load<SiteRuntime>(url.href);
  });
  return {
    key: base,
    async warm() {
      await (await get()).open();
    },
    async search(query, { limit, signal, prefix = false }) {
      const runtime = await get();
      if (runtime.searchPagesWithWords) {
        // Pages, ranked by their best sections: `limit` results make about limit/2 pages.
        const { pages, words } = await runtime.searchPagesWithWords(query, {
          limit: Math.max(1, Math.round(limit / 2)),
          sectionsPerPage: SECTIONS_PER_PAGE,
          explain: true,
          signal,
          prefix,
        });
        return { hits: pageRows(pages), unmatched: words.unmatched };
      }
      if (!runtime.searchPages) {
        const hits = await runtime.search(query, { limit, explain: true, signal });
        return hits.map((hit) => ({
          ...hit,
          page: typeof hit.fields['page'] === 'string' ? hit.fields['page'] : (hit.path[0] ?? hit.title),
        }));
      }
      // Pages, ranked by their best sections: `limit` results make about limit/2 pages.
      const pages = await runtime.searchPages(query, {
        limit: Math.max(1, Math.round(limit / 2)),
        sectionsPerPage: SECTIONS_PER_PAGE,
        explain: true,
        signal,
      });
      return pageRows(pages);
    },
  };
}

/** A page's sections as rows: passages of one long section share its URL, and a reader needs it once. */
function pageRows(pages: readonly { title: string; sections: RuntimeHit[] }[]): WidgetHit[] {
  return pages.flatMap((p) =>
    p.sections
      .filter((hit, k, all) => all.findIndex((h) => h.url === hit.url) === k)
      .map((hit) => ({ ...hit, page: p.title })),
  );
}

function engine(url: string): Promise<WidgetEngine> {
  return load<WidgetEngine>(new URL(url, document.baseURI).href);
}

/** A source that loads the engine on first use (so that nothing loads before the widget opens). */
export function lazySource(key: string, make: () => Promise<SearchSource>): SearchSource {
  let ready: SearchSource | undefined;
  const get = retrying(() => make().then((s) => (ready = s)));
  return {
    key,
    get stats() {
      return ready?.stats;
    },
    async warm() {
      const s = await get();
      await s.warm?.();
    },
    async search(query, options) {
      return (await get()).search(query, options);
    },
    dispose() {
      ready?.dispose?.();
    },
  };
}

export function pageSource(engineUrl: string, options: PageSourceOptions): SearchSource {
  return lazySource(`page:${location.pathname}:${options.model}`, async () =>
    (await engine(engineUrl)).pageSource(options),
  );
}

export function indexSource(engineUrl: string, options: IndexSourceOptions): SearchSource {
  return lazySource(`idb:${options.name}`, async () => (await engine(engineUrl)).indexSource(options));
}
