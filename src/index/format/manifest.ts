/**
 * The manifest: the one small value that says what an index holds at a generation. A commit
 * writes every other key first and the manifest last, so a reader that follows a manifest finds
 * everything it names. Key names live here, so every store lays an index out the same way:
 *
 *   manifest                  the committed generation (JSON)
 *   seg/<id>/dict             per term: chunk, offset, count and max weight (the MaxScore bound)
 *   seg/<id>/chunk/<k>        posting blocks of a range of terms
 *   seg/<id>/meta             per document of the segment: external id, fields, record number
 *   doc/<record>              a document: id, text, fields, exact vector, explanation spans
 *   tomb/<generation>         bitmap of removed document numbers
 *
 * Document numbers are dense: segment after segment, each segment's documents numbered from its
 * `base`. Merges drop removed documents and renumber, so numbers (and everything sized by them:
 * accumulators, tombstones) follow the live documents. Records are keyed by a record number that
 * never changes, so renumbering never rewrites a document.
 */
import { SpladeError } from '../../errors.ts';

export const INDEX_FORMAT = 'splade-web-index';
/** Version of the stored layout; an index of another version is not read (see onIncompatible). */
export const INDEX_SCHEMA = 2;

export interface SegmentInfo {
  id: string;
  /** Documents of the segment are numbered base .. end-1. */
  base: number;
  end: number;
  chunks: number;
  postings: number;
  /** Stored bytes of the posting chunks and the dictionary. */
  bytes: number;
  /**
   * The dictionary stored as term-range pages (`seg/<id>/dict-page/<k>`): each page's first term and
   * term count. Absent: one value, `seg/<id>/dict`. Pages let a static host serve a query only
   * the dictionary entries of its terms (see pages.ts); IndexedDB keeps one.
   */
  dictPages?: { first: number; terms: number }[];
  /** Metadata stored in pages of this many documents (`seg/<id>/meta-page/<k>`). Absent: one value. */
  metaPageDocs?: number;
}

export interface Manifest {
  format: typeof INDEX_FORMAT;
  schema: number;
  generation: number;
  /** Documents numbered (live or removed): the end of the last segment. */
  docs: number;
  /** The next unused record number. */
  nextRecord: number;
  liveDocs: number;
  postings: number;
  segments: SegmentInfo[];
  tomb: string | null;
  /** Keys this generation no longer needs; deleted once the next generation is committed. */
  garbage: string[];
  /** The model whose vectors the index holds (IndexOptions.model), once a document was added. */
  model?: string | null;
}

/** Per document of a segment (by number - base). */
export interface SegmentMeta {
  ids: string[];
  fields: Record<string, unknown>[];
  records: number[];
}

export const MANIFEST_KEY = 'manifest';
export const dictKey = (segment: string) => `seg/${segment}/dict`;
export const metaKey = (segment: string) => `seg/${segment}/meta`;
export const chunkKey = (segment: string, k: number) => `seg/${segment}/chunk/${k}`;
export const dictPageKey = (segment: string, k: number) => `seg/${segment}/dict-page/${k}`;
export const metaPageKey = (segment: string, k: number) => `seg/${segment}/meta-page/${k}`;
export const docKey = (record: number) => `doc/${record}`;
export const tombKey = (generation: number) => `tomb/${generation}`;

export function emptyManifest(generation = 0): Manifest {
  return {
    format: INDEX_FORMAT,
    schema: INDEX_SCHEMA,
    generation,
    docs: 0,
    nextRecord: 0,
    liveDocs: 0,
    postings: 0,
    segments: [],
    tomb: null,
    garbage: [],
  };
}

/** The keys of a segment's dictionary (one, or its pages). */
export function dictionaryKeys(s: SegmentInfo): string[] {
  return s.dictPages ? s.dictPages.map((_, k) => dictPageKey(s.id, k)) : [dictKey(s.id)];
}

/** The keys of a segment's metadata (one, or its pages). */
export function metadataKeys(s: SegmentInfo): string[] {
  return s.metaPageDocs
    ? Array.from({ length: Math.ceil((s.end - s.base) / s.metaPageDocs) }, (_, k) => metaPageKey(s.id, k))
    : [metaKey(s.id)];
}

/** Every key of a segment. */
export function segmentKeys(s: SegmentInfo): string[] {
  return [...dictionaryKeys(s), ...metadataKeys(s), ...Array.from({ length: s.chunks }, (_, k) => chunkKey(s.id, k))];
}

/** Is this a manifest of this format and schema? (Throws `index-schema` for another schema.) */
export function checkManifest(value: unknown, where: string): Manifest {
  const m = value as Partial<Manifest> | null;
  if (
    m?.format === INDEX_FORMAT &&
    m.schema === INDEX_SCHEMA &&
    Array.isArray(m.segments) &&
    Number.isInteger(m.generation)
  )
    return m as Manifest;
  throw new SpladeError(
    'index-schema',
    `${where} was stored with schema ${JSON.stringify(m?.schema)} (format ${JSON.stringify(m?.format)}); this version reads schema ${INDEX_SCHEMA}`,
  );
}

/**
 * Keys the manifest (with the metadata of its segments) references: what a sweep must keep. Its
 * garbage is kept too: readers still on the previous generation may need it until the next commit.
 */
export function referencedKeys(
  m: Manifest,
  metas: ReadonlyMap<string, SegmentMeta>,
  isRemoved: (doc: number) => boolean,
): Set<string> {
  const keep = new Set<string>([MANIFEST_KEY, ...m.garbage]);
  if (m.tomb) keep.add(m.tomb);
  for (const s of m.segments) {
    for (const k of segmentKeys(s)) keep.add(k);
    const meta = metas.get(s.id);
    if (!meta) continue;
    meta.records.forEach((record, k) => {
      if (!isRemoved(s.base + k)) keep.add(docKey(record));
    });
  }
  return keep;
}
