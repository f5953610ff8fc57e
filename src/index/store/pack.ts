/**
 * Packs: an index's stored values as files a static host serves as they are, laid out so that
 * nothing a query fetches grows with the site but what its own terms and hits need.
 *
 * Every file of one build sits in one folder named by a hash of the whole build's content
 * (`index.<hash>/`), and every file name in it is derived from the key it holds (a posting chunk,
 * a dictionary or metadata page: the sealed value is the file). So there is no directory of files
 * to fetch: the small layout below travels in the site's entry file, and a rebuild that changes
 * anything makes a new folder, which a host and the browser may cache forever.
 *
 * Document records are read by no Range request: they are in small files of at most
 * `recordsPerFile` consecutive records of one page (a page of many sections has several), fetched
 * whole, so a host's gzip applies and a host that ignores Range costs nothing more. Which file
 * holds a record is arithmetic over the page table (the sections of each page, numbered together),
 * which the runtime also uses to group hits by page without reading any metadata. A page of
 * several sections also has small files of its sections' ids and fields, `headsPerFile` sections
 * each (`page/<p>/<k>`, `h<p>-<k>.bin`): what a results list shows of a page's other sections,
 * without their records. In files of a bounded size because some pages are huge (Node's one-page
 * manual, nodejs/all.html: 84 KB gzipped of heads in one file, read whole to show two sections).
 * A layout without `headsPerFile` (built before it) has one heads file a page (`page/<p>`, `h<p>.bin`).
 *
 * Pure code: no I/O here (the Node writer, the HTTP reader and the export's file reader do that).
 */
import { SpladeError } from '../../errors.ts';
import type { Manifest } from '../format/manifest.ts';
import { sealJson } from '../format/records.ts';
import type { ReadableStore } from './types.ts';

export const PACK_FORMAT = 'splade-web-pack';
/** 2: a content-hashed folder and names derived from keys (1 had a directory file and ranged record packs). */
export const PACK_VERSION = 2;

/** Where an index's values are, as the site's entry carries it. */
export interface PackLayout {
  format: typeof PACK_FORMAT;
  version: number;
  /** The build's folder, relative to the index folder, ending in "/" (`index.<hash>/`). */
  folder: string;
  /** The index's manifest (key `manifest`), inline: every query needs it. */
  manifest: Manifest;
  /** Other values that are neither chunks, pages nor records (none in a fresh build): `core.bin`, back to back. */
  core?: { names: string[]; lengths: number[] };
  /**
   * The page table: sections per page, in section order (the sections of a page are numbered
   * together, and record number = section number). Section s is on page p where
   * pageStart[p] <= s < pageStart[p + 1].
   */
  pages: number[];
  /** Records per record file: a page's records are in files of this many (the last one fewer). */
  recordsPerFile: number;
  /** Sections per heads file of a page (absent: one heads file a page, as built before). */
  headsPerFile?: number;
}

/** Where a key's value is: a whole file, a part of `core.bin`, or item `item` of a record file. */
/** A page's sections' ids and fields (key `page/<p>`, sealed JSON): what a list shows of sections but the best. */
export interface PageHeads {
  ids: string[];
  fields: Record<string, unknown>[];
}

/**
 * The key of the heads holding section `at` (numbered within its page) of `page`: one per page
 * (`page/<p>`) when `headsPerFile` is undefined (a layout built before heads files were split),
 * else `page/<p>/<k>` with sections k * headsPerFile .. (k + 1) * headsPerFile - 1.
 */
export const pageHeadsKey = (page: number, at = 0, headsPerFile?: number) =>
  headsPerFile === undefined ? `page/${page}` : `page/${page}/${Math.floor(at / headsPerFile)}`;

/** The heads file of a heads key (`page/<p>` or `page/<p>/<k>`), or undefined for another key. */
function headsFile(key: string): { page: number; part?: number; file: string } | undefined {
  const m = /^page\/(\d+)(?:\/(\d+))?$/.exec(key);
  if (!m) return undefined;
  return m[2] === undefined
    ? { page: Number(m[1]), file: `h${m[1]}.bin` }
    : { page: Number(m[1]), part: Number(m[2]), file: `h${m[1]}-${m[2]}.bin` };
}

export type Place =
  | { file: string; kind: 'whole' }
  | { file: string; kind: 'core'; offset: number; length: number }
  | { file: string; kind: 'bundle'; item: number };

const SEGMENT_FILE = /^seg\/([A-Za-z0-9_-]+)\/(chunk|dict-page|meta-page)\/(\d+)$/;
const STEMS = { chunk: 'c', 'dict-page': 'd', 'meta-page': 'm' } as const;

/** A checked layout (throws `index-schema` for another version, `index-corrupt` for a damaged one). */
export function checkLayout(value: unknown, where: string): PackLayout {
  const l = value as Partial<PackLayout> | null;
  if (l?.format !== PACK_FORMAT || l.version !== PACK_VERSION)
    throw new SpladeError(
      'index-schema',
      `${where} is not a pack layout of version ${PACK_VERSION} (format "${PACK_FORMAT}"), found version ${JSON.stringify(l?.version ?? null)}; rebuild the site's index with this version of splade-web`,
      { file: where },
    );
  const ok =
    typeof l.folder === 'string' &&
    /^[A-Za-z0-9._-]+\/$/.test(l.folder) &&
    typeof l.manifest === 'object' &&
    l.manifest !== null &&
    Array.isArray(l.pages) &&
    l.pages.every((n) => Number.isInteger(n) && n > 0) &&
    Number.isInteger(l.recordsPerFile) &&
    l.recordsPerFile! > 0 &&
    (l.headsPerFile === undefined || (Number.isInteger(l.headsPerFile) && l.headsPerFile > 0)) &&
    (l.core === undefined || (Array.isArray(l.core.names) && l.core.names.length === l.core.lengths?.length));
  if (!ok) throw new SpladeError('index-corrupt', `the stored index is damaged: ${where} is not a valid pack layout`);
  return l as PackLayout;
}

/** Section number -> page number, from the page table (sections per page). */
export class PageTable {
  /** First section of each page; last entry: the number of sections. */
  readonly start: Uint32Array;

  constructor(sectionsPerPage: readonly number[]) {
    this.start = new Uint32Array(sectionsPerPage.length + 1);
    sectionsPerPage.forEach((n, p) => (this.start[p + 1] = this.start[p]! + n));
  }

  get pages(): number {
    return this.start.length - 1;
  }

  get sections(): number {
    return this.start[this.start.length - 1]!;
  }

  /** The page of section `s` (0 <= s < sections). */
  pageOf(s: number): number {
    let lo = 0;
    let hi = this.start.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.start[mid]! <= s) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The record file of record `r`, and its place in that file. */
export function recordPlace(table: PageTable, recordsPerFile: number, r: number): { file: string; item: number } {
  const page = table.pageOf(r);
  const local = r - table.start[page]!;
  const k = Math.floor(local / recordsPerFile);
  return { file: `r${page}-${k}.bin`, item: local - k * recordsPerFile };
}

/** Where `key` is in `layout` (undefined: no such value), file names relative to the layout's folder. */
export function placeOf(layout: PackLayout, table: PageTable, key: string): Place | undefined {
  const m = SEGMENT_FILE.exec(key);
  if (m) return { file: `${m[1]}-${STEMS[m[2] as keyof typeof STEMS]}${m[3]}.bin`, kind: 'whole' };
  const head = headsFile(key);
  if (head) {
    if (head.page >= table.pages || (head.part === undefined) !== (layout.headsPerFile === undefined)) return undefined;
    const sections = table.start[head.page + 1]! - table.start[head.page]!;
    if (head.part !== undefined && head.part * layout.headsPerFile! >= sections) return undefined;
    return { file: head.file, kind: 'whole' };
  }
  const doc = /^doc\/(\d+)$/.exec(key);
  if (doc) {
    const r = Number(doc[1]);
    if (r >= table.sections) return undefined;
    return { ...recordPlace(table, layout.recordsPerFile, r), kind: 'bundle' };
  }
  if (layout.core) {
    let offset = 0;
    for (let k = 0; k < layout.core.names.length; k++) {
      const length = layout.core.lengths[k]!;
      if (layout.core.names[k] === key) return { file: 'core.bin', kind: 'core', offset, length };
      offset += length;
    }
  }
  return undefined;
}

/**
 * A read-only store over a layout, given how to read a file of the build's folder (whole): the
 * one key -> bytes mapping that the HTTP store and the export's file reader share. `readFile`
 * may return the same promise for the same name (the callers keep one request per file).
 */
export function packStore(
  layout: PackLayout,
  readFile: (name: string) => Promise<Uint8Array>,
  where: string,
  onClose: () => void = () => {},
): ReadableStore {
  const table = new PageTable(layout.pages);
  const manifest = sealJson(layout.manifest);
  const bundles = new Map<string, Promise<Uint8Array[]>>();
  let closed = false;
  const read = async (key: string): Promise<Uint8Array | undefined> => {
    if (closed) throw new SpladeError('disposed', `the index store at ${where} was closed`);
    if (key === 'manifest') return manifest;
    const place = placeOf(layout, table, key);
    if (!place) return undefined;
    const name = layout.folder + place.file;
    if (place.kind === 'whole') return readFile(name);
    if (place.kind === 'core') {
      const bytes = await readFile(name);
      if (place.offset + place.length > bytes.length)
        throw new SpladeError('index-corrupt', `the stored index is damaged: ${name} is shorter than the layout says`, {
          file: name,
        });
      return bytes.subarray(place.offset, place.offset + place.length);
    }
    let items = bundles.get(name);
    if (!items) {
      items = readFile(name).then((bytes) => unbundle(bytes, name));
      bundles.set(name, items);
      items.catch(() => bundles.delete(name));
    }
    const value = (await items)[place.item];
    if (!value)
      throw new SpladeError('index-corrupt', `the stored index is damaged: ${name} holds no record ${key}`, {
        file: name,
      });
    return value;
  };
  return {
    get: read,
    getMany: (keys) => Promise.all(keys.map(read)),
    close() {
      closed = true;
      bundles.clear();
      onClose();
    },
  };
}

/** Values back to back behind a header: u32 count, then each value's length (u32, little-endian). */
export function bundle(values: readonly Uint8Array[]): Uint8Array {
  const header = 4 + 4 * values.length;
  const out = new Uint8Array(header + values.reduce((n, v) => n + v.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, values.length, true);
  let at = header;
  values.forEach((v, k) => {
    view.setUint32(4 + 4 * k, v.length, true);
    out.set(v, at);
    at += v.length;
  });
  return out;
}

/** The values of a bundle (views into `bytes`). */
export function unbundle(bytes: Uint8Array, where: string): Uint8Array[] {
  const bad = () =>
    new SpladeError('index-corrupt', `the stored index is damaged: ${where} is not a file of records`, {
      file: where,
    });
  if (bytes.length < 4) throw bad();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  if (4 + 4 * n > bytes.length) throw bad();
  const out: Uint8Array[] = [];
  let at = 4 + 4 * n;
  for (let k = 0; k < n; k++) {
    const length = view.getUint32(4 + 4 * k, true);
    if (at + length > bytes.length) throw bad();
    out.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw bad();
  return out;
}

export interface PackPlan {
  /** Files to write, relative to the index folder (all under `layout.folder`): name -> bytes. */
  files: Map<string, Uint8Array>;
  layout: PackLayout;
}

export interface PackOptions {
  /** Hex digest of bytes (sha-256 in Node): names the build's folder. */
  hash: (bytes: Uint8Array) => string;
  /** Sections per page, in section order (see PackLayout.pages). */
  pages: readonly number[];
  /** Records per record file (default 1). */
  recordsPerFile?: number;
  /** Sections per heads file (the caller wrote the heads as `page/<p>/<k>`); absent: `page/<p>`. */
  headsPerFile?: number;
}

/**
 * Lays out an index's values (key -> sealed bytes; a fresh build's: record number = section
 * number) as the files of one folder: one file per posting chunk and dictionary / metadata page
 * and per part of a page's heads (`page/<p>/<k>`: its sections' ids and fields, given by the caller), records in
 * small files by page, anything else in `core.bin`, and the manifest in the layout.
 */
export function planPacks(values: ReadonlyMap<string, Uint8Array>, options: PackOptions): PackPlan {
  const recordsPerFile = options.recordsPerFile ?? 1;
  const table = new PageTable(options.pages);
  const named = new Map<string, Uint8Array>();
  const core: string[] = [];
  let records = 0;
  let manifest: Manifest | undefined;
  for (const [key, value] of values) {
    if (key === 'manifest') {
      manifest = JSON.parse(new TextDecoder().decode(value.subarray(4))) as Manifest;
      continue;
    }
    const m = SEGMENT_FILE.exec(key);
    const head = headsFile(key);
    if (m) named.set(`${m[1]}-${STEMS[m[2] as keyof typeof STEMS]}${m[3]}.bin`, value);
    else if (head) named.set(head.file, value);
    else if (/^doc\/\d+$/.test(key)) records++;
    else core.push(key);
  }
  if (!manifest) throw new SpladeError('invalid-input', 'planPacks() needs the index manifest among the values');
  if (records !== table.sections || !values.has(`doc/${table.sections - 1}`))
    throw new SpladeError(
      'invalid-input',
      `planPacks() needs records doc/0 .. doc/${table.sections - 1} (one per section of the page table), got ${records}`,
    );
  for (let page = 0; page < table.pages; page++) {
    for (let from = table.start[page]!; from < table.start[page + 1]!; from += recordsPerFile) {
      const to = Math.min(from + recordsPerFile, table.start[page + 1]!);
      const parts: Uint8Array[] = [];
      for (let r = from; r < to; r++) parts.push(values.get(`doc/${r}`)!);
      named.set(recordPlace(table, recordsPerFile, from).file, bundle(parts));
    }
  }
  core.sort();
  if (core.length) named.set('core.bin', concat(core.map((k) => values.get(k)!)));
  const layout: Omit<PackLayout, 'folder'> = {
    format: PACK_FORMAT,
    version: PACK_VERSION,
    manifest,
    ...(core.length ? { core: { names: core, lengths: core.map((k) => values.get(k)!.length) } } : {}),
    pages: [...options.pages],
    recordsPerFile,
    ...(options.headsPerFile !== undefined ? { headsPerFile: options.headsPerFile } : {}),
  };
  // The folder's name: a hash of every file's name and content and of the layout, so two builds
  // share a folder name only when they are the same index.
  const names = [...named.keys()].sort();
  const digestParts: Uint8Array[] = [new TextEncoder().encode(JSON.stringify(layout))];
  for (const name of names) digestParts.push(new TextEncoder().encode(`\n${name}\n`), named.get(name)!);
  const folder = `index.${options.hash(concat(digestParts)).slice(0, 16)}/`;
  const files = new Map<string, Uint8Array>();
  for (const name of names) files.set(folder + name, named.get(name)!);
  return { files, layout: { ...layout, folder } };
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
