/**
 * How much a model download is, found before anything big is downloaded, so the picker can show it
 * and ask first. For a hub id, one request: the hub's file listing
 * (`<hub>/api/models/<owner>/<name>/tree/<revision>?recursive=true`, the one huggingface.js's
 * listFiles reads; entries carry `size`, and `lfs.size` for LFS files). Where there is no listing (a
 * plain model folder URL, or a mirror without the API), HEAD requests on the files the loader reads,
 * found from modules.json and router_config.json (small files, read whole). Either way the files
 * counted are those the loader (src/model/layout.ts) reads: the JSON configs, the tokenizer, and per
 * folder the ONNX file it takes, else its safetensors (one file, or the shards an index names).
 * Files the loader never reads (pytorch_model.bin, other ONNX variants, special_tokens_map.json) are
 * not counted. (Kept in step with the loader by test/demo-download-size.test.ts, which loads every
 * fixture repository and compares.)
 */
import { SpladeError } from '../src/errors.ts';
import { classifySource, hubFileUrl } from '../src/model/source.ts';

export interface ListedFile {
  path: string;
  /** Bytes; null when the server did not say (a HEAD answer without Content-Length). */
  bytes: number | null;
}

export interface DownloadEstimate {
  /** The files a first load downloads, in path order. */
  files: ListedFile[];
  /** Their bytes together (files of unknown size count 0: see `unknown`). */
  bytes: number;
  /** How many files have no known size. */
  unknown: number;
  /** What the weights run as once loaded. Graphs built from safetensors are fp32 for now (F16/BF16 converted). */
  dtype: 'fp32';
  /** Where the sizes came from: the hub's file listing, or HEAD requests. */
  via: 'listing' | 'head';
}

export interface EstimateOptions {
  /** Base URL of the hub (default https://huggingface.co). */
  hubUrl?: string;
  revision?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** The ONNX files the loader tries in a transformer folder, in its order (layout.ts). */
const ONNX_CANDIDATES = ['onnx/model.onnx', 'model.onnx'];
const SHARD = /^model-\d+-of-\d+\.safetensors$/;
/** The JSON files the loader reads, in whichever folder (special_tokens_map.json and the like it never reads). */
const JSON_READ = new Set([
  'modules.json',
  'router_config.json',
  'config_sentence_transformers.json',
  'config.json',
  'sentence_bert_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'model.safetensors.index.json',
]);
/** Folders of other runtimes' exports: their JSON files are never read. */
const OTHER_EXPORTS = /(^|\/)(onnx|openvino)\//;

function folderOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir}/${file}`;
}

/**
 * Of a repository's files, those a first load downloads (see the top comment). Pure: the listing in,
 * the chosen files out, sorted by path.
 */
export function filesToDownload(listing: readonly ListedFile[]): ListedFile[] {
  const paths = new Set(listing.map((f) => f.path));
  /** The ONNX file the loader takes in folder `dir`, if any. */
  const onnxOf = (dir: string) => ONNX_CANDIDATES.map((c) => join(dir, c)).find((p) => paths.has(p));
  const chosen = listing.filter(({ path }) => {
    const dir = folderOf(path);
    const name = path.slice(dir.length === 0 ? 0 : dir.length + 1);
    // idf.json is the query table of a bare repository (root, no modules.json) or of a static folder
    // without weights; where the weights exist it is never read (and it is large: ~0.5 MB).
    if (name === 'idf.json')
      return dir === '' ? !paths.has('modules.json') : !paths.has(join(dir, 'model.safetensors'));
    // The static query table's folder (sentence-transformers names module folders `<n>_<Module>`) has
    // a config.json the loader does not read.
    if (name === 'config.json' && dir.endsWith('SparseStaticEmbedding')) return false;
    if (name.endsWith('.json')) return JSON_READ.has(name) && !OTHER_EXPORTS.test(path);
    if (name.endsWith('.onnx')) {
      // `<dir>/onnx/model.onnx` belongs to <dir>; `<dir>/model.onnx` only when <dir> has no onnx/model.onnx.
      const owner = name === 'model.onnx' && /(^|\/)onnx$/.test(dir) ? folderOf(dir) : dir;
      return onnxOf(owner) === path;
    }
    if (!name.endsWith('.safetensors') || onnxOf(dir) !== undefined) return false;
    const sharded = paths.has(join(dir, 'model.safetensors.index.json'));
    return sharded ? SHARD.test(name) : name === 'model.safetensors';
  });
  // External data beside an ONNX file taken (transformers.js's `.onnx_data`, or `.onnx.data`).
  const taken = new Set(chosen.map((f) => f.path));
  for (const f of listing) {
    const data = /^(.*\.onnx)(_data|\.data)$/.exec(f.path);
    if (data && taken.has(data[1]!)) chosen.push(f);
  }
  return chosen.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function summarize(files: ListedFile[], via: DownloadEstimate['via']): DownloadEstimate {
  return {
    files,
    bytes: files.reduce((n, f) => n + (f.bytes ?? 0), 0),
    unknown: files.filter((f) => f.bytes === null).length,
    dtype: 'fp32',
    via,
  };
}

/**
 * The download of `source` (a hub id or a model folder URL), from the hub's listing or HEAD requests.
 * A SpladeError: 'network' when the host cannot be reached, 'model-not-found' when it answers but
 * holds no model there.
 */
export async function estimateDownload(source: string, options: EstimateOptions = {}): Promise<DownloadEstimate> {
  const doFetch = options.fetch ?? fetch;
  const request = async (url: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await doFetch(url, { ...init, signal: options.signal ?? null, cache: 'no-store' });
    } catch (cause) {
      if (options.signal?.aborted) throw new SpladeError('aborted', 'the size lookup was aborted');
      throw new SpladeError('network', `could not reach ${new URL(url).origin} (${(cause as Error).message})`, {
        cause,
      });
    }
  };
  const kind = classifySource(source);
  if (kind === 'hub') {
    const listed = await hubListing(source, options, request);
    if (listed) return summarize(filesToDownload(listed), 'listing');
  }
  const urlOf =
    kind === 'hub'
      ? (path: string) => hubFileUrl(source, path, options)
      : (path: string) => new URL(path, new URL(source.replace(/\/?$/, '/'), pageHref())).href;
  const probed = await probeFiles(urlOf, request);
  if (!probed.some((f) => f.path === 'modules.json' || f.path === 'config.json'))
    throw new SpladeError(
      'model-not-found',
      `${source} has neither modules.json nor config.json at ${urlOf('')}: not a model repository (check the id)`,
    );
  return summarize(filesToDownload(probed), 'head');
}

type Request = (url: string, init?: RequestInit) => Promise<Response>;

/** The hub's recursive file listing (following its `Link: <…>; rel="next"` pages), or undefined where it has none. */
async function hubListing(id: string, options: EstimateOptions, request: Request): Promise<ListedFile[] | undefined> {
  const base = (options.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const revision = encodeURIComponent(options.revision ?? 'main');
  let url: string | undefined = `${base}/api/models/${id}/tree/${revision}?recursive=true`;
  const files: ListedFile[] = [];
  while (url) {
    const response = await request(url, { headers: { accept: 'application/json' } });
    // huggingface.co answers 401 to a request without a token for a repository that does not exist,
    // is private, or is gated (its files need an accepted licence and a token): the page has none.
    if (response.status === 401 || response.status === 403)
      throw new SpladeError(
        'model-not-found',
        `the hub refused to list ${id} (HTTP ${response.status}): no such public repository, or a private or gated one, which needs a signed-in token this page does not have`,
      );
    if (!response.ok) return undefined; // no such repo, or a hub without the listing API: HEAD requests decide
    let entries: unknown;
    try {
      entries = await response.json();
    } catch {
      return undefined;
    }
    if (!Array.isArray(entries)) return undefined;
    for (const e of entries as { type?: string; path?: string; size?: number; lfs?: { size?: number } }[]) {
      if (e.type !== 'file' || typeof e.path !== 'string') continue;
      const bytes = e.lfs?.size ?? e.size;
      files.push({ path: e.path, bytes: typeof bytes === 'number' ? bytes : null });
    }
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '');
    url = next ? new URL(next[1]!, url).href : undefined;
  }
  return files;
}

/** Files every folder of a model may hold that the loader reads (the weights are added per folder). */
const FOLDER_FILES = [
  'config.json',
  'sentence_bert_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'idf.json',
  'model.safetensors',
  'model.safetensors.index.json',
  ...ONNX_CANDIDATES,
];

/**
 * The files a loader may read, by HEAD (sizes) and by reading the small JSON files that name the
 * folders (modules.json, router_config.json) and shards (model.safetensors.index.json).
 */
async function probeFiles(urlOf: (path: string) => string, request: Request): Promise<ListedFile[]> {
  const json = async (path: string): Promise<unknown> => {
    const response = await request(urlOf(path));
    if (!response.ok) return undefined;
    return response.json().catch(() => undefined);
  };
  const head = async (path: string): Promise<ListedFile | undefined> => {
    const response = await request(urlOf(path), { method: 'HEAD' });
    if (!response.ok || (response.headers.get('content-type') ?? '').startsWith('text/html')) return undefined;
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    return { path, bytes: Number.isFinite(length) ? length : null };
  };
  const dirs = new Set<string>(['']);
  const modules = await json('modules.json');
  if (Array.isArray(modules)) {
    for (const m of modules as { path?: unknown; type?: unknown }[]) {
      const path = typeof m.path === 'string' ? m.path.replace(/\/+$/, '') : '';
      dirs.add(path);
      if (typeof m.type === 'string' && m.type.endsWith('Router')) {
        const router = (await json(join(path, 'router_config.json'))) as
          { types?: Record<string, unknown> } | undefined;
        for (const id of Object.keys(router?.types ?? {})) dirs.add(join(path, id));
      }
    }
  }
  const candidates = ['modules.json', 'router_config.json', 'config_sentence_transformers.json'];
  for (const dir of dirs) candidates.push(...FOLDER_FILES.map((f) => join(dir, f)));
  const found = (await Promise.all([...new Set(candidates)].map(head))).filter((f): f is ListedFile => !!f);
  for (const index of found.filter((f) => f.path.endsWith('model.safetensors.index.json'))) {
    const map = (await json(index.path)) as { weight_map?: Record<string, string> } | undefined;
    const shards = [...new Set(Object.values(map?.weight_map ?? {}))].map((s) => join(folderOf(index.path), s));
    found.push(...(await Promise.all(shards.map(head))).filter((f): f is ListedFile => !!f));
  }
  return found;
}

/** The page's address for relative sources; absent in Node (the tests), where sources are absolute. */
function pageHref(): string | undefined {
  return (globalThis as { location?: { href: string } }).location?.href;
}
