/**
 * Packs: many stored values in few files, for static hosts (which cap files per site, and where
 * every file is a request). A pack file is the sealed values of the index laid back to back,
 * unchanged; a directory maps each key to (file, offset, length). Files are named by a hash of
 * their content, so a host and the browser may cache them forever: a rebuild that changes a value
 * makes a new file name, and only the small entry file that names the directory is re-fetched.
 *
 * Files are of two kinds. `whole` files are read in one request (the index's core: manifest and
 * what is not paged; posting chunks and dictionary / metadata pages, one per file), so a host's
 * gzip applies.
 * `ranged` files hold many document records, of which a query reads a few: each value is read
 * with an HTTP Range request (a host that ignores Range sends the whole file, which also works).
 *
 * Pure code: no I/O here (the Node writer and the HTTP reader do that).
 */
import { SpladeError } from '../../errors.ts';

export const PACK_FORMAT = 'splade-web-pack';
export const PACK_VERSION = 1;

export interface PackFile {
  name: string;
  /** whole: fetched in one request; ranged: each value by a Range request. */
  kind: 'whole' | 'ranged';
  bytes: number;
}

/**
 * Values of one file, back to back in this order. Keys are `prefix + name` for each name, or, for
 * runs of numbered keys (`doc/17`, `doc/18`, ...), `prefix + (from + k)`: a directory of thousands
 * of records stays a list of lengths.
 */
export interface PackGroup {
  file: number;
  prefix: string;
  names?: string[];
  from?: number;
  lengths: number[];
}

export interface PackDirectory {
  format: typeof PACK_FORMAT;
  version: number;
  files: PackFile[];
  groups: PackGroup[];
}

export interface Location {
  file: number;
  offset: number;
  length: number;
}

/** Key -> location, from a directory (checked: a damaged directory is index-corrupt, not a wrong read). */
export function locate(directory: unknown, where: string): Map<string, Location> {
  const d = directory as Partial<PackDirectory> | null;
  if (d?.format !== PACK_FORMAT || d.version !== PACK_VERSION || !Array.isArray(d.files) || !Array.isArray(d.groups)) {
    throw new SpladeError(
      'index-schema',
      `${where} is not a pack directory of version ${PACK_VERSION} (format "${PACK_FORMAT}"); rebuild the site's index with this version of splade-web`,
      { file: where },
    );
  }
  const out = new Map<string, Location>();
  for (const g of d.groups) {
    const file = d.files[g.file];
    if (!file || !Array.isArray(g.lengths) || (g.names && g.names.length !== g.lengths.length))
      throw new SpladeError(
        'index-corrupt',
        `the stored index is damaged: ${where} has a group that does not fit its files`,
        { file: where },
      );
    let offset = 0;
    g.lengths.forEach((length, k) => {
      const key = g.prefix + (g.names ? g.names[k]! : String((g.from ?? 0) + k));
      out.set(key, { file: g.file, offset, length });
      offset += length;
    });
    if (offset > file.bytes)
      throw new SpladeError(
        'index-corrupt',
        `the stored index is damaged: ${where} places values past the end of ${file.name}`,
        { file: where },
      );
  }
  return out;
}

export interface PackPlan {
  /** Files to write: name -> bytes. */
  files: Map<string, Uint8Array>;
  directory: PackDirectory;
}

export interface PackOptions {
  /** Hex digest of bytes, used to name files (sha-256 in Node). */
  hash: (bytes: Uint8Array) => string;
  /** Target size of a ranged file of document records (default 1 MiB). */
  recordFileBytes?: number;
}

/**
 * Lays out an index's values (key -> sealed bytes) as pack files: one `core` file with everything
 * but posting chunks, dictionary and metadata pages and document records, one file per chunk or
 * page, and document records in
 * ranged files of about `recordFileBytes`, in record order (a page's sections sit together).
 */
export function planPacks(values: ReadonlyMap<string, Uint8Array>, options: PackOptions): PackPlan {
  const recordFileBytes = options.recordFileBytes ?? 1 << 20;
  const files = new Map<string, Uint8Array>();
  const directory: PackDirectory = { format: PACK_FORMAT, version: PACK_VERSION, files: [], groups: [] };
  const addFile = (stem: string, kind: PackFile['kind'], parts: Uint8Array[]) => {
    const bytes = concat(parts);
    const name = `${stem}.${options.hash(bytes).slice(0, 16)}.bin`;
    files.set(name, bytes);
    directory.files.push({ name, kind, bytes: bytes.length });
    return directory.files.length - 1;
  };
  const core: string[] = [];
  const chunks: string[] = [];
  const records: number[] = [];
  for (const key of values.keys()) {
    // Posting chunks and dictionary / metadata pages: a file each, so a query fetches only its own.
    if (/^seg\/[^/]+\/(?:chunk|dict-page|meta-page)\/\d+$/.test(key)) chunks.push(key);
    else if (/^doc\/\d+$/.test(key)) records.push(Number(key.slice(4)));
    else core.push(key);
  }
  core.sort();
  const coreFile = addFile(
    'core',
    'whole',
    core.map((k) => values.get(k)!),
  );
  directory.groups.push({ file: coreFile, prefix: '', names: core, lengths: core.map((k) => values.get(k)!.length) });
  chunks.sort();
  for (const key of chunks) {
    const slash = key.lastIndexOf('/') + 1;
    const stem = /\/dict-page\//.test(key) ? 'dict' : /\/meta-page\//.test(key) ? 'meta' : 'chunk';
    const file = addFile(stem, 'whole', [values.get(key)!]);
    directory.groups.push({
      file,
      prefix: key.slice(0, slash),
      names: [key.slice(slash)],
      lengths: [values.get(key)!.length],
    });
  }
  records.sort((a, b) => a - b);
  let run: number[] = [];
  let runBytes = 0;
  const flush = () => {
    if (!run.length) return;
    const parts = run.map((r) => values.get(`doc/${r}`)!);
    const file = addFile('docs', 'ranged', parts);
    const lengths = parts.map((p) => p.length);
    // Consecutive record numbers (a fresh build's) are a `from` run; otherwise names are listed.
    const consecutive = run.every((r, k) => k === 0 || r === run[k - 1]! + 1);
    directory.groups.push(
      consecutive
        ? { file, prefix: 'doc/', from: run[0]!, lengths }
        : { file, prefix: 'doc/', names: run.map(String), lengths },
    );
    run = [];
    runBytes = 0;
  };
  for (const r of records) {
    const length = values.get(`doc/${r}`)!.length;
    if (runBytes > 0 && runBytes + length > recordFileBytes) flush();
    run.push(r);
    runBytes += length;
  }
  flush();
  return { files, directory };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
