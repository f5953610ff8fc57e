/**
 * Model files read by byte range: a safetensors file is opened (its length and header first) and
 * then read tensor by tensor, so loading never holds a whole copy of the file beside the converted
 * weights. Over HTTP that is a Range request per read; a host that answers a Range request with the
 * whole file (200) is detected at open, and the file is then downloaded once and read from memory.
 * Local files (Node) are read through a file handle (src/runtime/node-files.ts).
 */
import { SpladeError, throwIfAborted } from '../errors.ts';
import type { LoadProgress } from './source.ts';

/** A file open for reads by byte range. */
export interface RangedFile {
  /** Path inside the repository. */
  readonly path: string;
  /** Length in bytes. */
  readonly size: number;
  /** True when the whole file is in memory already (reads are views). */
  readonly inMemory?: boolean;
  /** Bytes [begin, end) of the file. */
  read(begin: number, end: number): Promise<Uint8Array>;
  /**
   * What identifies this content at its source, for cache keys: the ETag over HTTP, a SHA-256 for a
   * local file; undefined when the source gives none.
   */
  version(): Promise<string | undefined>;
  /** Ends the reads (a local file's handle is closed; the load's `done` event is sent). */
  close(): Promise<void>;
}

/** A file already in memory as a RangedFile (reads are views: no copy). */
export function memoryFile(path: string, bytes: Uint8Array, version?: string, onClose?: () => void): RangedFile {
  return {
    path,
    size: bytes.byteLength,
    inMemory: true,
    read: async (begin, end) => bytes.subarray(begin, end),
    version: async () => version,
    close: async () => onClose?.(),
  };
}

export interface HttpRangeOptions {
  fetch: typeof fetch;
  signal?: AbortSignal | undefined;
  /** For progress events: the model as the caller named it. */
  model: string;
  onProgress?: ((event: LoadProgress) => void) | undefined;
  /**
   * Reads a whole response body, checked against its content-length (source.ts' reader); with
   * `progress`, reporting it as the file's download.
   */
  readWhole: (response: Response, path: string, url: string, progress: boolean) => Promise<Uint8Array>;
}

/** `bytes a-b/size` of a 206 answer. */
function contentRange(response: Response): { begin: number; end: number; size: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get('content-range')?.trim() ?? '');
  return match ? { begin: Number(match[1]), end: Number(match[2]) + 1, size: Number(match[3]) } : undefined;
}

/**
 * Opens `url` for range reads: the first request asks for the first 8 bytes (a safetensors file's
 * header length). A 206 answer gives the size and ETag, and later reads are Range requests checked
 * against both (a file changed between two reads fails rather than mixing two versions). A 200
 * answer means the host ignores Range: its body is the whole file, read once. 404 (or the HTML page a
 * dev server sends for unknown paths) is `undefined`; other answers are returned for the caller.
 */
export async function openHttpRanged(
  path: string,
  url: string,
  options: HttpRangeOptions,
): Promise<RangedFile | undefined | Response> {
  const { signal, onProgress, model } = options;
  const doFetch = options.fetch; // called bare: a page's fetch called as another object's method throws
  // `no-store` keeps these requests out of the browser's HTTP cache. Chromium keeps every Range
  // answer for a URL in one sparse cache entry, and a Range request whose answer arrives while
  // another answer for the same URL is still being written there (TensorReader's prefetch beside
  // the builder's next read) waits for that entry, gives up after a cache lock timeout, drops its
  // answer mid-body with its connection and sends the same request again without the cache: those
  // bytes were downloaded twice (GTE-base: the hub sent 756 MB for the 551 MB read). Nothing is
  // lost: a later load reads the graph built from these bytes (build-cache.ts), not the bytes.
  const get = (range: string): Promise<Response> =>
    doFetch(url, { signal: signal ?? null, cache: 'no-store', headers: { range } });
  const first = await get('bytes=0-7');
  if (first.status === 404) {
    await first.body?.cancel(); // a body left unread keeps its connection busy
    return undefined;
  }
  if (first.ok && (first.headers.get('content-type') ?? '').startsWith('text/html')) {
    await first.body?.cancel();
    return undefined;
  }
  const etag = first.headers.get('etag') ?? undefined;
  if (first.status === 200) {
    // No range support: the body is the whole file. One download, then reads from memory.
    const bytes = await options.readWhole(first, path, url, true);
    const done = () => onProgress?.({ status: 'done', model, file: path, bytes: bytes.byteLength, fromCache: false });
    return memoryFile(path, bytes, etag, done);
  }
  if (first.status === 416) {
    // Range not satisfiable at 0: an empty file.
    await first.body?.cancel();
    const done = () => onProgress?.({ status: 'done', model, file: path, bytes: 0, fromCache: false });
    return memoryFile(path, new Uint8Array(0), etag, done);
  }
  const span = first.status === 206 ? contentRange(first) : undefined;
  if (!span) return first;
  const size = span.size;
  let fetched = 0;
  const readRange = async (begin: number, end: number, response?: Response): Promise<Uint8Array> => {
    throwIfAborted(signal);
    if (begin < 0 || end > size || begin > end)
      throw new RangeError(`read of bytes ${begin}..${end} outside ${path} (${size} bytes)`);
    if (begin === end) {
      await response?.body?.cancel();
      return new Uint8Array(0);
    }
    const answer = response ?? (await get(`bytes=${begin}-${end - 1}`));
    const got = answer.status === 206 ? contentRange(answer) : undefined;
    const tag = answer.headers.get('etag') ?? undefined;
    if (!got || got.begin !== begin || got.end !== end || got.size !== size || (etag && tag && tag !== etag)) {
      await answer.body?.cancel();
      const changed = etag && tag && tag !== etag ? ` (its ETag went from ${etag} to ${tag})` : '';
      throw new SpladeError(
        'network',
        `${path} at ${url} changed or stopped answering range requests while it was read${changed}: asked bytes ${begin}..${end} of ${size}, got HTTP ${answer.status} ${answer.headers.get('content-range') ?? ''}; load the model again`,
        { file: path },
      );
    }
    const bytes = await options.readWhole(answer, path, url, false);
    fetched += bytes.byteLength;
    onProgress?.({ status: 'progress', model, file: path, loaded: fetched, total: size });
    return bytes;
  };
  const head = await readRange(0, Math.min(8, size), first);
  return {
    path,
    size,
    read: (begin, end) => (end <= head.byteLength ? Promise.resolve(head.subarray(begin, end)) : readRange(begin, end)),
    version: async () => etag,
    close: async () => onProgress?.({ status: 'done', model, file: path, bytes: fetched, fromCache: false }),
  };
}

/**
 * Whether the file at `url` still has ETag `etag`: a conditional range request for one byte (304:
 * unchanged, no body), else the ETag answered is compared and the body dropped. False when the file
 * is gone; undefined when the host cannot be reached (offline), so the caller keeps what it has.
 */
export async function httpStillCurrent(
  url: string,
  etag: string,
  fetcher: typeof fetch,
  signal?: AbortSignal,
): Promise<boolean | undefined> {
  const ask = async (conditional: boolean): Promise<Response> =>
    fetcher(url, {
      signal: signal ?? null,
      cache: 'no-cache',
      headers: conditional ? { range: 'bytes=0-0', 'if-none-match': etag } : { range: 'bytes=0-0' },
    });
  let response: Response;
  try {
    try {
      response = await ask(true);
    } catch {
      // A refused CORS preflight (If-None-Match is not a simple header): ask plainly.
      throwIfAborted(signal);
      response = await ask(false);
    }
  } catch {
    throwIfAborted(signal);
    return undefined;
  }
  await response.body?.cancel().catch(() => {});
  if (response.status === 304) return true;
  if (response.status === 404) return false;
  if (!response.ok) return undefined;
  return response.headers.get('etag') === etag;
}
