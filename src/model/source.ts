/**
 * Where model files come from: a Hugging Face hub id, a URL, or a local path.
 * Everything above this file asks for files by their path inside the model repository and never
 * cares which of the three it is; that is what lets tests exercise the hub code path on local files
 * (by pointing `hubUrl` at a local server that mimics the hub's URL layout).
 */
import { SpladeError, throwIfAborted } from '../errors.ts';
import type { EncoderDevice } from '../runtime/types.ts';
import { OPFS_BUILDS_DIR, type BuildCacheAccess, type BuildStore } from './build-cache.ts';
import { httpStillCurrent, memoryFile, openHttpRanged, type RangedFile } from './ranged.ts';

/**
 * Progress while loading, keyed on `status` (the same shape transformers.js uses). Every event names
 * its `model` as the caller gave it (a hub id stays the id; a URL or path is what was passed), so
 * one listener can follow several loads. `file` is a path inside the model. `ready` comes last, once
 * the model's session has started: its `device` is the one chosen (never 'auto'), or 'static' when
 * no session was needed (an inference-free model loaded with queryOnly).
 */
export type LoadProgress =
  | { status: 'initiate'; model: string; file: string }
  | { status: 'progress'; model: string; file: string; loaded: number; total: number | null }
  | { status: 'done'; model: string; file: string; bytes: number; fromCache: boolean }
  | { status: 'ready'; model: string; device: EncoderDevice | 'static' };

export interface SourceOptions {
  /**
   * Hub revision (branch, tag or commit). Default `main`. A commit (40 hex digits) names files that
   * never change, so they are served from the cache without asking the hub; any other revision can
   * move, so each file is revalidated with the hub when it is reachable (a conditional request: an
   * unchanged file is not downloaded again) and served from the cache when it is not.
   */
  revision?: string;
  /**
   * The files at this source never change (a content-hashed folder, as `splade-web build` writes
   * for a symmetric model): once cached they are served from the cache without asking the server.
   * Default false (a plain URL or path is revalidated while online).
   */
  immutable?: boolean;
  /** Base URL of the model hub. Default `https://huggingface.co`. */
  hubUrl?: string;
  /**
   * Cache downloaded files with the Cache API (browser) so the model loads offline afterwards.
   * Default true where the Cache API exists.
   */
  cache?: boolean;
  /** Name of the Cache API cache. */
  cacheName?: string;
  /**
   * Node: the folder graphs built from safetensors are kept in (default $SPLADE_WEB_CACHE, else
   * $XDG_CACHE_HOME/splade-web or ~/.cache/splade-web). `cache: false` keeps nothing.
   */
  cacheDir?: string;
  onProgress?: (event: LoadProgress) => void;
  signal?: AbortSignal;
  /** Reads a local file (the Node entry provides one); in browsers local paths resolve against the page URL. */
  readLocalFile?: (path: string) => Promise<Uint8Array | undefined>;
  fetch?: typeof fetch;
}

export interface ModelFiles extends BuildCacheAccess {
  /** What was asked for, for error messages. */
  readonly description: string;
  /** Reads a file by its path inside the model repository; `undefined` when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /**
   * Opens a file for reads by byte range (safetensors weights, tensor by tensor); `undefined` when
   * it does not exist. Sources without it are read whole.
   */
  open?(path: string): Promise<RangedFile | undefined>;
}

/** What the entry's runtime adds to a source: range reads of local files, and where built graphs are kept. */
export interface SourceAccess {
  openLocalFile?: ((path: string) => Promise<RangedFile | undefined>) | undefined;
  builds?: BuildStore | undefined;
  /** Where downloaded files are kept where there is no Cache API (Node: a folder). */
  files?: ResponseCaches | undefined;
}

export const DEFAULT_HUB_URL = 'https://huggingface.co';
export const DEFAULT_CACHE_NAME = 'splade-web-models-v1';
const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export type SourceKind = 'hub' | 'url' | 'path';

/** A full commit id: the only revision whose files cannot change. */
export function isCommitRevision(revision: string): boolean {
  return /^[0-9a-f]{40}$/i.test(revision);
}

/**
 * Hub ids look like `owner/name`. Local paths must start with `/`, `./` or `../` so that a relative
 * path is never mistaken for a hub id (and vice versa).
 */
export function classifySource(source: string): SourceKind {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new SpladeError(
      'invalid-input',
      `a model source must be a non-empty string (a hub id like "owner/name", a URL, or a path starting with "/", "./" or "../"), got ${JSON.stringify(source)}`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source)) return 'url';
  if (source.startsWith('/') || source.startsWith('./') || source.startsWith('../') || /^[a-z]:[\\/]/i.test(source))
    return 'path';
  if (HUB_ID.test(source)) return 'hub';
  throw new SpladeError(
    'invalid-input',
    `cannot tell what model source ${JSON.stringify(source)} is: use a hub id like "owner/name", a URL, or a path starting with "/", "./" or "../"`,
  );
}

export function hubFileUrl(id: string, path: string, options: Pick<SourceOptions, 'hubUrl' | 'revision'> = {}): string {
  const base = (options.hubUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const revision = encodeURIComponent(options.revision ?? 'main');
  return `${base}/${id}/resolve/${revision}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export function openModelSource(source: string, options: SourceOptions = {}, access: SourceAccess = {}): ModelFiles {
  const kind = classifySource(source);
  const builds = options.cache === false ? undefined : access.builds;
  if (kind === 'path' && options.readLocalFile) {
    const root = source.replace(/[\\/]+$/, '');
    const readLocal = options.readLocalFile;
    const openLocal = access.openLocalFile;
    const open = async (path: string): Promise<RangedFile | undefined> => {
      throwIfAborted(options.signal);
      options.onProgress?.({ status: 'initiate', model: source, file: path });
      const file = await openLocal!(`${root}/${path}`);
      if (!file) return undefined;
      const done = () =>
        options.onProgress?.({ status: 'done', model: source, file: path, bytes: file.size, fromCache: false });
      return { ...file, path, close: () => file.close().finally(done) };
    };
    return {
      description: source,
      builds,
      locate: (path) => `${root}/${path}`,
      ...(openLocal
        ? {
            open,
            async isCurrent(path: string, version: string) {
              const file = await openLocal(`${root}/${path}`);
              if (!file) return false;
              try {
                return (await file.version()) === version;
              } finally {
                await file.close();
              }
            },
          }
        : {}),
      async read(path) {
        throwIfAborted(options.signal);
        options.onProgress?.({ status: 'initiate', model: source, file: path });
        const bytes = await readLocal(`${root}/${path}`);
        if (bytes)
          options.onProgress?.({
            status: 'done',
            model: source,
            file: path,
            bytes: bytes.byteLength,
            fromCache: false,
          });
        return bytes;
      },
    };
  }
  let urlOf: (path: string) => string;
  if (kind === 'hub') urlOf = (path) => hubFileUrl(source, path, options);
  else {
    const base = new URL(source.endsWith('/') ? source : `${source}/`, kind === 'path' ? pageUrl(source) : undefined);
    urlOf = (path) => new URL(path, base).href;
  }
  // Only files at a commit are immutable, so only they are served from the cache first. A branch or
  // tag (the default `main`) can move, and so can a plain URL (often a dev server): those are
  // revalidated when online, and the cache is the offline fallback.
  const immutable = options.immutable === true || (kind === 'hub' && isCommitRevision(options.revision ?? 'main'));
  return new HttpModelFiles(source, urlOf, immutable ? 'cache-first' : 'revalidate', options, builds, access.files);
}

function pageUrl(source: string): string {
  const here = (globalThis as { location?: { href: string } }).location?.href;
  if (!here)
    throw new SpladeError(
      'invalid-input',
      `the local path ${JSON.stringify(source)} needs a file reader outside the browser: use the Node entry (splade-web/node)`,
    );
  return here;
}

/** Response headers kept with a cached copy: what a later conditional request needs. */
const KEPT_HEADERS = ['content-type', 'etag', 'last-modified'] as const;

class HttpModelFiles implements ModelFiles {
  constructor(
    readonly description: string,
    private readonly urlOf: (path: string) => string,
    private readonly policy: 'cache-first' | 'revalidate',
    private readonly options: SourceOptions,
    readonly builds?: BuildStore,
    private readonly fileCache?: ResponseCaches,
  ) {}

  locate(path: string): string {
    return this.urlOf(path);
  }

  /**
   * Opens a file for Range requests (src/model/ranged.ts). What is read this way is not put in the
   * Cache API (the graph built from it is kept instead); a copy kept there by an earlier load is
   * still used where the cache policy or the network says so.
   */
  async open(path: string): Promise<RangedFile | undefined> {
    const { signal, onProgress } = this.options;
    throwIfAborted(signal);
    const url = this.urlOf(path);
    const cache = await this.openCache();
    onProgress?.({ status: 'initiate', model: this.description, file: path });
    const kept = async (hit: Response): Promise<RangedFile | undefined> => {
      const bytes = await this.fromCached(path, hit);
      return bytes && memoryFile(path, bytes, hit.headers.get('etag') ?? undefined);
    };
    const cached = this.policy === 'cache-first' ? await cache?.match(url) : undefined;
    if (cached) return kept(cached);
    let answer: RangedFile | Response | undefined;
    try {
      answer = await openHttpRanged(path, url, {
        fetch: this.options.fetch ?? fetch,
        signal,
        model: this.description,
        onProgress,
        readWhole: (response, file, at, progress) =>
          readWithProgress(response, this.description, file, at, progress ? this.options : signal ? { signal } : {}),
      });
    } catch (cause) {
      if (cause instanceof SpladeError) throw cause;
      throwIfAborted(signal);
      const fallback = await cache?.match(url);
      if (fallback) return kept(fallback);
      throw new SpladeError(
        'network',
        `could not download ${path} from ${url} and no cached copy exists (${(cause as Error).message})`,
        { file: path, cause },
      );
    }
    if (answer === undefined) {
      await cache?.put(url, new Response(null, { status: 404 })).catch(() => {}); // absent, offline too
      return undefined;
    }
    if (answer instanceof Response) {
      await answer.body?.cancel().catch(() => {});
      throw new SpladeError('network', `downloading ${path} from ${url} failed with HTTP ${answer.status}`, {
        file: path,
      });
    }
    return answer;
  }

  /** Whether `path` still has ETag `version`: always at a commit; else asked with a conditional request. */
  async isCurrent(path: string, version: string): Promise<boolean | undefined> {
    if (this.policy === 'cache-first') return true;
    return httpStillCurrent(this.urlOf(path), version, this.options.fetch ?? fetch, this.options.signal);
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const { signal, onProgress } = this.options;
    throwIfAborted(signal);
    const url = this.urlOf(path);
    const cache = await this.openCache();
    onProgress?.({ status: 'initiate', model: this.description, file: path });
    const cached = await cache?.match(url);
    if (cached && this.policy === 'cache-first') return this.fromCached(path, cached);
    let response: Response;
    try {
      response = await this.download(url, this.policy === 'revalidate' ? cached : undefined);
    } catch (cause) {
      throwIfAborted(signal);
      if (cached) return this.fromCached(path, cached);
      throw new SpladeError(
        'network',
        `could not download ${path} from ${url} and no cached copy exists (${(cause as Error).message})`,
        { file: path, cause },
      );
    }
    if (response.status === 304 && cached) return this.fromCached(path, cached); // unchanged since cached
    if (response.status === 404) {
      // A missing optional file (e.g. idf.json, or the ONNX file a repo without one is asked for) is
      // normal; callers decide whether it is an error. The answer is kept as an empty 404 in place of
      // any copy: offline, the loader must learn the file is absent (else a model whose layout probes
      // for absent files could never load offline), and a file gone from a branch must not come back.
      await cache?.put(url, new Response(null, { status: 404 })).catch(() => {});
      return undefined;
    }
    if (!response.ok) {
      if (cached) return this.fromCached(path, cached);
      throw new SpladeError('network', `downloading ${path} from ${url} failed with HTTP ${response.status}`, {
        file: path,
      });
    }
    // Dev servers answer unknown paths with the index page; an HTML body is never a model file.
    if ((response.headers.get('content-type') ?? '').startsWith('text/html') && !path.endsWith('.html'))
      return undefined;
    // Checked before anything is cached: a body cut short must never become the offline copy.
    const bytes = await readWithProgress(response, this.description, path, url, this.options);
    if (cache) {
      const headers = new Headers({ 'content-type': 'application/octet-stream' });
      for (const name of KEPT_HEADERS) {
        const value = response.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      await cache.put(url, new Response(bytes.slice(), { headers })).catch(() => {
        // A full disk must not stop a model that is already in memory from loading.
      });
    }
    onProgress?.({ status: 'done', model: this.description, file: path, bytes: bytes.byteLength, fromCache: false });
    return bytes;
  }

  /**
   * One request. With a cached copy to revalidate it is conditional (If-None-Match /
   * If-Modified-Since from the copy), so an unchanged file costs a 304 and no body. Those headers
   * make a cross-origin request need a CORS preflight, which a server may refuse: a failed
   * conditional request is retried once as a plain one before the caller falls back to the cache.
   * `cache: 'no-cache'` keeps the browser's HTTP cache from answering with a copy it thinks fresh.
   */
  private async download(url: string, revalidate: Response | undefined): Promise<Response> {
    const doFetch = this.options.fetch ?? fetch;
    const init: RequestInit = {
      signal: this.options.signal ?? null,
      ...(this.policy === 'revalidate' ? { cache: 'no-cache' as const } : {}),
    };
    const conditional: Record<string, string> = {};
    const etag = revalidate?.headers.get('etag');
    const modified = revalidate?.headers.get('last-modified');
    if (etag) conditional['if-none-match'] = etag;
    if (modified) conditional['if-modified-since'] = modified;
    // A request that fails before any answer is tried once more, plain: a kept-alive connection the
    // server had just closed fails the first request sent on it (ECONNRESET), and the second opens a
    // new one (a refused conditional request is retried the same way). Offline, both fail at once.
    const first = Object.keys(conditional).length === 0 ? init : { ...init, headers: conditional };
    try {
      return await doFetch(url, first);
    } catch {
      throwIfAborted(this.options.signal);
      return doFetch(url, init);
    }
  }

  /** A kept copy's bytes, or undefined where the hub's last answer was 404 (kept as an empty 404). */
  private async fromCached(path: string, hit: Response): Promise<Uint8Array | undefined> {
    if (hit.status === 404) return undefined;
    const bytes = new Uint8Array(await hit.arrayBuffer());
    this.options.onProgress?.({
      status: 'done',
      model: this.description,
      file: path,
      bytes: bytes.byteLength,
      fromCache: true,
    });
    return bytes;
  }

  private async openCache(): Promise<ResponseCache | undefined> {
    const storage = cacheStorage() ?? this.fileCache;
    if (this.options.cache === false || !storage) return undefined;
    try {
      return await storage.open(this.options.cacheName ?? DEFAULT_CACHE_NAME);
    } catch {
      return undefined; // e.g. opaque origins, where the Cache API throws
    }
  }
}

async function readWithProgress(
  response: Response,
  model: string,
  file: string,
  url: string,
  { onProgress, signal }: Pick<SourceOptions, 'onProgress' | 'signal'>,
): Promise<Uint8Array> {
  const expected = expectedLength(response);
  const of = expected === undefined ? '' : ` of the ${expected} its content-length announced`;
  let received = 0;
  let bytes: Uint8Array;
  try {
    bytes = await readBody(response, (loaded) => {
      received = loaded;
      onProgress?.({ status: 'progress', model, file, loaded, total: expected ?? null });
    });
  } catch (cause) {
    throwIfAborted(signal);
    throw new SpladeError(
      'network',
      `the download of ${file} from ${url} broke off after ${received} bytes${of} (${(cause as Error).message}); nothing was cached`,
      { file, cause },
    );
  }
  if (expected !== undefined && bytes.byteLength !== expected) {
    throw new SpladeError(
      'network',
      `the download of ${file} from ${url} is incomplete: received ${bytes.byteLength} bytes${of}; nothing was cached`,
      { file },
    );
  }
  return bytes;
}

/**
 * The body length a response announces, where it can be checked: content-length counts the bytes on
 * the wire, so a compressed body (content-encoding other than identity) is not comparable with what
 * fetch hands over, decompressed.
 */
export function expectedLength(response: Response): number | undefined {
  const header = response.headers.get('content-length');
  const encoding = (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (header === null || (encoding !== '' && encoding !== 'identity')) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** The whole body, `onChunk` told the bytes received so far after each chunk. */
async function readBody(response: Response, onChunk: (loaded: number) => void): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onChunk(loaded);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/** Removes every cached model file (e.g. from a settings page), and the graphs built from them. */
export async function clearModelCache(cacheName = DEFAULT_CACHE_NAME): Promise<boolean> {
  const removed = (await cacheStorage()?.delete(cacheName)) ?? false;
  // OPFS's calls used here, typed here since this module also type-checks for Node, which has none.
  type Folder = { removeEntry(name: string, options: { recursive: boolean }): Promise<void> };
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<Folder> } } }).navigator
    ?.storage;
  const builds = await storage
    ?.getDirectory?.()
    .then((root) => root.removeEntry(OPFS_BUILDS_DIR, { recursive: true }))
    .then(() => true)
    .catch(() => false); // none kept there
  return removed || builds === true;
}

/** The Cache API calls made here, typed here because this module also runs (and type-checks) in Node, which has none. */
export interface ResponseCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
  delete(url: string): Promise<boolean>;
}
export interface ResponseCaches {
  open(name: string): Promise<ResponseCache>;
  delete(name: string): Promise<boolean>;
}

/** The page's or worker's `caches`; undefined where there is no Cache API (Node, insecure origins). */
function cacheStorage(): ResponseCaches | undefined {
  return (globalThis as { caches?: ResponseCaches }).caches;
}
