/**
 * A read-only store over HTTP: an index that `splade-web build` packed into files on a static
 * host (see pack.ts). It fetches only what is asked for: a `whole` file (the core, a posting chunk)
 * in one request, a document record by a Range request on its pack file. What it fetched is kept
 * in the Cache API (when the page has it), so a site visited once searches offline: files are
 * named by their content, so a cached copy is never stale.
 *
 * Works in a page or a Worker; needs only fetch (and caches, when present).
 */
import { SpladeError } from '../../errors.ts';
import { locate, type Location, type PackDirectory } from './pack.ts';
import type { ReadableStore } from './types.ts';

export interface HttpStoreOptions {
  /** Cache API cache to keep fetched values in (default: one named after the base URL); null: none. */
  cacheName?: string | null;
  /** fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** Called per network request (bytes as received): what a query cost. */
  onFetch?: (event: { url: string; bytes: number; fromCache: boolean }) => void;
}

/** A read-only store of the packed index whose directory is at `base + directoryFile`. */
export function openHttpStore(base: string, directory: PackDirectory, options: HttpStoreOptions = {}): ReadableStore {
  const where = `the pack directory of ${base}`;
  const places = locate(directory, where);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cacheName = options.cacheName === undefined ? `splade-web:${base}` : options.cacheName;
  const cache =
    cacheName && typeof caches !== 'undefined'
      ? caches.open(cacheName).catch(() => undefined)
      : Promise.resolve(undefined);
  /** Whole files (and ranges) being fetched or fetched: one request each, shared by callers. */
  const files = new Map<string, Promise<Uint8Array>>();
  let closed = false;

  const urlOf = (loc: Location) => new URL(directory.files[loc.file]!.name, base).href;

  /** Bytes from the Cache API, or the network (then cached). `range`: [start, end) of the file. */
  const fetchBytes = async (url: string, range?: [number, number]): Promise<Uint8Array> => {
    const key = range ? `${url}?bytes=${range[0]}-${range[1]}` : url;
    const c = await cache;
    const hit = await c?.match(key).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      options.onFetch?.({ url: key, bytes: bytes.length, fromCache: true });
      return bytes;
    }
    let response: Response;
    try {
      response = await doFetch(url, range ? { headers: { Range: `bytes=${range[0]}-${range[1] - 1}` } } : {});
    } catch (cause) {
      throw new SpladeError(
        'network',
        `could not fetch ${url} (${(cause as Error).message}); the index is readable offline only where this page fetched it before`,
        { file: url, cause },
      );
    }
    if (!response.ok)
      throw new SpladeError(
        'network',
        `fetching ${url} failed with HTTP ${response.status}; the site's index folder may be incomplete or from another build`,
        { file: url },
      );
    let bytes = new Uint8Array(await response.arrayBuffer());
    options.onFetch?.({ url: key, bytes: bytes.length, fromCache: false });
    if (range && response.status !== 206) {
      // The host ignored Range and sent the whole file: take the part, keep the whole for later reads.
      files.set(url, Promise.resolve(bytes));
      void c?.put(url, new Response(bytes.slice())).catch(() => {});
      bytes = bytes.slice(range[0], range[1]);
    }
    void c?.put(key, new Response(bytes.slice())).catch(() => {});
    return bytes;
  };

  const read = async (key: string): Promise<Uint8Array | undefined> => {
    if (closed) throw new SpladeError('disposed', `the HTTP store at ${base} was closed`);
    const loc = places.get(key);
    if (!loc) return undefined;
    const file = directory.files[loc.file]!;
    const url = urlOf(loc);
    const whole = files.get(url);
    if (file.kind === 'whole' || whole) {
      let p = whole;
      if (!p) {
        p = fetchBytes(url);
        files.set(url, p);
        p.catch(() => files.delete(url)); // a failed request is asked again next time
      }
      const bytes = await p;
      if (bytes.length !== file.bytes)
        throw new SpladeError(
          'index-corrupt',
          `the stored index is damaged: ${url} has ${bytes.length} bytes, the directory says ${file.bytes}`,
          { file: url },
        );
      return bytes.subarray(loc.offset, loc.offset + loc.length);
    }
    const rangeKey = `${url}#${loc.offset}`;
    let p = files.get(rangeKey);
    if (!p) {
      p = fetchBytes(url, [loc.offset, loc.offset + loc.length]);
      files.set(rangeKey, p);
      p.catch(() => files.delete(rangeKey));
    }
    const bytes = await p;
    if (bytes.length !== loc.length)
      throw new SpladeError(
        'index-corrupt',
        `the stored index is damaged: ${key} in ${url} came back with ${bytes.length} bytes, not ${loc.length}`,
        { file: key },
      );
    return bytes;
  };

  return {
    get: read,
    getMany: (keys) => Promise.all(keys.map(read)),
    close() {
      closed = true;
      files.clear();
    },
  };
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
