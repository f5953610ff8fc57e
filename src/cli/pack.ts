/**
 * The build's packing stage: the sections and their vectors -> an index built by the engine itself
 * (in memory) -> static files a host serves as they are. Posting lists are re-chunked so a query
 * fetches about the bytes of its own terms, the dictionary and metadata are paged so a cold query
 * reads only the entries of its terms and the records of the hits it shows, and everything is
 * packed into files of one content-hashed folder, records in small files by page
 * (src/index/store/pack.ts).
 */
import type { EncodedVector } from '../encode/encoder.ts';
import { SparseIndex, type IndexDocument } from '../index/engine/sparse-index.ts';
import { SpladeError } from '../errors.ts';
import { MANIFEST_KEY, checkManifest, metadataKeys, type SegmentMeta } from '../index/format/manifest.ts';
import { paginateSegments } from '../index/format/pages.ts';
import { rechunkSegments } from '../index/format/rechunk.ts';
import { sealJson, unsealJson } from '../index/format/records.ts';
import { openMemoryStore } from '../index/store/memory.ts';
import { pageHeadsKey, planPacks, type PackPlan, type PageHeads } from '../index/store/pack.ts';
import type { SectionDoc } from './collect.ts';
import { sha256 } from './content-hash.ts';

/**
 * Posting chunk files: about this size, or larger so that a big site keeps under ~2000 of them.
 * Measured on PostgreSQL's manual (1.7 MB of postings, 25 queries): the chunks a cold query reads
 * were a median 16.2 KB gzipped at 1 KiB (1 443 files), 18.0 KB at 2 KiB, 23.9 KB at 4 KiB (450
 * files), 39.4 KB at 8 KiB, in the same 6 requests: a chunk's other terms are the waste.
 */
const MIN_CHUNK_BYTES = 1024;
const MAX_CHUNK_FILES = 2000;
/**
 * Terms per dictionary page (20 bytes each). Measured as above: the dictionary pages a query reads
 * were a median 2.5 KB gzipped at 32 terms (6 requests), 4.5 KB at 64, 7.1 KB at 128, 11.0 KB at
 * 256 (4 requests); the page list the entry carries grows to 1.0 KB at 32 (bounded by the
 * vocabulary, not the site).
 */
const DICTIONARY_PAGE_TERMS = 32;
/** Sections per metadata page (ids, urls, titles, heading paths). */
const METADATA_PAGE_DOCS = 64;

export interface PackOptions {
  /** The model, as the index records it. */
  model: string;
  /** Smallest posting chunk file (default 1 KiB). */
  chunkBytes?: number | undefined;
  /** Sections per page, in order (collect.ts sectionsPerPage): the page table. */
  sectionsPerPage: readonly number[];
  /** Sections per heads file (default HEADS_PER_FILE). */
  headsPerFile?: number | undefined;
}

/**
 * Sections per heads file. Most pages have fewer (the Debian set: 8 sections a page on average),
 * so they keep one heads file; a huge one-page manual (nodejs/all.html) is read in parts of about
 * 1 KB gzipped instead of 84 KB whole to show two of its sections.
 */
export const HEADS_PER_FILE = 32;

/**
 * Records per record file: 1 (a query reads the record of each page's best section only; the
 * others' ids and fields come from the page's heads file), or more on a site so large that one
 * file per section would pass MAX_RECORD_FILES (hosts cap files per site). Measured on PostgreSQL's
 * manual (8 743 sections, 1 169 pages, 25 queries, top 5 pages): the records a query reads were a
 * median 15.7 KB gzipped with 1 record a file (plus heads), 24.3 KB with 2, 40.1 KB with 4; with
 * the records of the 3 shown sections of each page read instead of heads, 35.1 KB (1), 76.8 KB (4).
 */
const MAX_RECORD_FILES = 10_000;

export function recordsPerFile(sections: number): number {
  return Math.max(1, Math.ceil(sections / MAX_RECORD_FILES));
}

/** The pack files of an index of `docs`, each with its vector `vectorOf(text)`. */
export async function packIndex(
  docs: readonly SectionDoc[],
  vectorOf: (text: string) => EncodedVector | undefined,
  options: PackOptions,
): Promise<PackPlan> {
  const memory = openMemoryStore();
  // One segment, however large the site: a static index is written once, and every segment is one
  // more dictionary lookup and posting list per query term, pruned apart (a 55 930-section site in
  // the engine's default 20 000-document commits was 3 segments: 27 dictionary requests a query).
  const index = await SparseIndex.openStore(memory, {
    name: 'site',
    model: options.model,
    commitSize: Math.max(1, docs.length),
  });
  const indexDocs: IndexDocument[] = docs.map((d) => ({
    id: d.id,
    text: d.text,
    fields: d.fields,
    vector: vectorOf(d.text)!,
  }));
  await index.add(indexDocs);
  await index.dispose();
  const values = memory.entries();
  const manifest = checkManifest(unsealJson(values.get(MANIFEST_KEY), MANIFEST_KEY), 'the built index');
  const postingBytes = manifest.segments.reduce((n, s) => n + s.bytes, 0);
  const target = Math.max(options.chunkBytes ?? MIN_CHUNK_BYTES, Math.ceil(postingBytes / MAX_CHUNK_FILES));
  const re = rechunkSegments(manifest, (k) => values.get(k), target);
  for (const k of re.removed) values.delete(k);
  for (const [k, v] of re.values) values.set(k, v);
  // Dictionary and metadata in small pages: a cold query fetches the entries of its own terms and
  // the metadata of the hits it shows, not the whole dictionary and metadata (format/pages.ts).
  const pages = { dictionaryTerms: DICTIONARY_PAGE_TERMS, metadataDocs: METADATA_PAGE_DOCS };
  const paged = paginateSegments(re.manifest, (k) => values.get(k), pages);
  for (const k of paged.removed) values.delete(k);
  for (const [k, v] of paged.values) values.set(k, v);
  values.set(MANIFEST_KEY, sealJson(paged.manifest));
  // The page table and record files rest on section number = record number, which a fresh
  // index's one add() gives (documents and records are numbered in order from 0): checked here.
  const meta = paged.manifest.segments.flatMap((s) =>
    metadataKeys(s).flatMap((k) => unsealJson<SegmentMeta>(values.get(k), k).records),
  );
  if (meta.length !== docs.length || meta.some((r, k) => r !== k))
    throw new SpladeError('index-corrupt', 'the built index numbers its records apart from its sections');
  // A page of several sections: its sections' ids and fields in files of their own, HEADS_PER_FILE
  // sections each (see pack.ts).
  const headsPerFile = options.headsPerFile ?? HEADS_PER_FILE;
  let first = 0;
  options.sectionsPerPage.forEach((n, page) => {
    if (n > 1)
      for (let at = 0; at < n; at += headsPerFile) {
        const heads: PageHeads = { ids: [], fields: [] };
        for (const d of docs.slice(first + at, first + Math.min(n, at + headsPerFile))) {
          heads.ids.push(d.id);
          heads.fields.push(d.fields);
        }
        values.set(pageHeadsKey(page, at, headsPerFile), sealJson(heads));
      }
    first += n;
  });
  return planPacks(values, {
    hash: sha256,
    pages: options.sectionsPerPage,
    recordsPerFile: recordsPerFile(docs.length),
    headsPerFile,
  });
}
