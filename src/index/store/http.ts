/**
 * A read-only store over HTTP: an index that `splade-web build` packed into files on a static
 * host (see pack.ts). It fetches only what is asked for, each file whole and once (posting chunks,
 * dictionary and metadata pages, small files of records), so a host's gzip applies and no Range
 * request is ever made: a host that ignores Range serves it as well as one that honours it. What
 * it fetched is kept in the Cache API (when the page has it), so a site visited once searches
 * offline: the build's files sit in a folder named by its content, so a cached copy is never stale.
 *
 * A file of the build that is gone (HTTP 404 or 410) means the site was rebuilt and redeployed
 * under the open page: that is `index-changed`, which the site runtime answers by reloading the
 * entry and asking the new index, never by mixing the two.
 *
 * Works in a page or a Worker; needs only fetch (and caches, when present).
 */
import { SpladeError } from '../../errors.ts';
import { packStore, type PackLayout } from './pack.ts';
import type { ReadableStore } from './types.ts';

export interface HttpStoreOptions {
  /** Cache API cache to keep fetched values in (default: one named after the base URL); null: none. */
  cacheName?: string | null;
  /** fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** Called per network request (bytes as received): what a query cost. */
  onFetch?: (event: { url: string; bytes: number; fromCache: boolean }) => void;
}

/** A read-only store of the packed index described by `layout`, its files under `base`. */
export function openHttpStore(base: string, layout: PackLayout, options: HttpStoreOptions = {}): ReadableStore {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cacheName = options.cacheName === undefined ? `splade-web:${base}` : options.cacheName;
  const cache =
    cacheName && typeof caches !== 'undefined'
      ? caches.open(cacheName).catch(() => undefined)
      : Promise.resolve(undefined);
  /** Files being fetched or fetched: one request each, shared by callers. */
  const files = new Map<string, Promise<Uint8Array>>();

  /** A file's bytes, from the Cache API or the network (then cached). */
  const fetchFile = async (url: string): Promise<Uint8Array> => {
    const c = await cache;
    const hit = await c?.match(url).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      options.onFetch?.({ url, bytes: bytes.length, fromCache: true });
      return bytes;
    }
    let response: Response;
    try {
      response = await doFetch(url);
    } catch (cause) {
      throw new SpladeError(
        'network',
        `could not fetch ${url} (${(cause as Error).message}); the index is readable offline only where this page fetched it before`,
        { file: url, cause },
      );
    }
    if (response.status === 404 || response.status === 410)
      throw new SpladeError(
        'index-changed',
        `${url} is gone (HTTP ${response.status}): the site's index was rebuilt since this page opened it`,
        { file: url },
      );
    if (!response.ok)
      throw new SpladeError(
        'network',
        `fetching ${url} failed with HTTP ${response.status}; the site's index folder may be incomplete or from another build`,
        { file: url },
      );
    const bytes = new Uint8Array(await response.arrayBuffer());
    options.onFetch?.({ url, bytes: bytes.length, fromCache: false });
    void c?.put(url, new Response(bytes.slice())).catch(() => {});
    return bytes;
  };

  const readFile = (name: string): Promise<Uint8Array> => {
    const url = new URL(name, base).href;
    let p = files.get(url);
    if (!p) {
      p = fetchFile(url);
      files.set(url, p);
      p.catch(() => files.delete(url)); // a failed request is asked again next time
    }
    return p;
  };
  return packStore(layout, readFile, base, () => files.clear());
}

/**
 * Deletes what the Cache API holds of builds other than `folder` under `base` (a redeployed site's
 * old files, which no entry names any more). Best effort: a failure changes nothing else.
 */
export async function forgetOtherBuilds(base: string, folder: string, options: HttpStoreOptions = {}): Promise<void> {
  const cacheName = options.cacheName === undefined ? `splade-web:${base}` : options.cacheName;
  if (!cacheName || typeof caches === 'undefined') return;
  try {
    const c = await caches.open(cacheName);
    const current = new URL(folder, base).href;
    for (const request of await c.keys()) {
      const url = request.url;
      if (url.startsWith(`${base}index.`) && !url.startsWith(current)) await c.delete(request);
    }
  } catch {
    // The cache is an optimisation: one that cannot be listed or trimmed is left as it is.
  }
}

/**
 * A small JSON file that must be current (the build's entry): from the network, revalidated every
 * time (`no-cache`), kept in the Cache API so that offline, the last copy seen is used.
 */
export async function fetchCurrentJson<T>(url: string, options: HttpStoreOptions = {}): Promise<T> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cacheName = options.cacheName === undefined ? `splade-web:${new URL('.', url).href}` : options.cacheName;
  const cache =
    cacheName && typeof caches !== 'undefined' ? await caches.open(cacheName).catch(() => undefined) : undefined;
  let text: string | undefined;
  try {
    const response = await doFetch(url, { cache: 'no-cache' });
    if (!response.ok)
      throw new SpladeError(
        'network',
        `fetching ${url} failed with HTTP ${response.status}; is the site's search index built and served there?`,
        { file: url },
      );
    text = await response.text();
    options.onFetch?.({ url, bytes: text.length, fromCache: false });
    void cache?.put(url, new Response(text, { headers: { 'content-type': 'application/json' } })).catch(() => {});
  } catch (error) {
    const cached = await cache?.match(url).catch(() => undefined);
    if (!cached) {
      if (error instanceof SpladeError) throw error;
      throw new SpladeError(
        'network',
        `could not fetch ${url} (${(error as Error).message}) and no copy of it was cached by an earlier visit`,
        { file: url, cause: error },
      );
    }
    text = await cached.text();
    options.onFetch?.({ url, bytes: text.length, fromCache: true });
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new SpladeError('index-corrupt', `${url} is not valid JSON; rebuild the site's index`, { file: url, cause });
  }
}

/** Immutable JSON (content-hashed name): from the Cache API when there, else the network (then cached). */
export async function fetchImmutableJson<T>(url: string, options: HttpStoreOptions = {}): Promise<T> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cacheName = options.cacheName === undefined ? `splade-web:${new URL('.', url).href}` : options.cacheName;
  const cache =
    cacheName && typeof caches !== 'undefined' ? await caches.open(cacheName).catch(() => undefined) : undefined;
  let text: string;
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) {
    text = await hit.text();
    options.onFetch?.({ url, bytes: text.length, fromCache: true });
  } else {
    let response: Response;
    try {
      response = await doFetch(url);
    } catch (cause) {
      throw new SpladeError('network', `could not fetch ${url} (${(cause as Error).message})`, { file: url, cause });
    }
    if (!response.ok)
      throw new SpladeError('network', `fetching ${url} failed with HTTP ${response.status}`, { file: url });
    text = await response.text();
    options.onFetch?.({ url, bytes: text.length, fromCache: false });
    void cache?.put(url, new Response(text, { headers: { 'content-type': 'application/json' } })).catch(() => {});
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new SpladeError('index-corrupt', `${url} is not valid JSON; rebuild the site's index`, { file: url, cause });
  }
}
