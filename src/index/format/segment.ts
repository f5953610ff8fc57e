/**
 * Segments: an immutable inverted index over a contiguous range of document numbers, built in
 * memory (pure code, unit-tested in Node) and stored as a dictionary plus term-range chunks.
 *
 * The dictionary (loaded when an index opens) says, per term, which chunk holds its postings, at
 * which offset, how many there are and their max weight (the MaxScore bound). Chunks hold the
 * encoded blocks of a range of terms, so a query reads only the chunks of its own terms.
 */
import type { SparseVector } from '../../vector.ts';
import { ByteWriter, copyPostings, decodePostings, encodePostings, LazyPostings, type PostingList } from './codec.ts';
import { crc32 } from './checksum.ts';

/** Term ids below this are used as array indices directly (tokenizer vocabularies are far smaller). */
const DENSE_TERM_IDS = 1 << 20;

/** Target size of one stored chunk of posting blocks. */
export const CHUNK_BYTES = 256 * 1024;

export interface SegmentDictionary {
  terms: Uint32Array;
  chunk: Uint32Array;
  offset: Uint32Array;
  count: Uint32Array;
  maxWeight: Float32Array;
}

export interface Chunk {
  bytes: Uint8Array;
  /** CRC-32 of `bytes`, verified whenever the chunk is read. */
  crc: number;
}

export interface BuiltSegment {
  /** First document number; every document of the segment is >= base. */
  base: number;
  /** One past the last document number. */
  end: number;
  dictionary: SegmentDictionary;
  chunks: Chunk[];
  postings: number;
}

/**
 * Inverts (document number, vector) pairs into a segment. Document numbers must ascend.
 */
export function buildSegment(
  docs: readonly { num: number; vector: SparseVector }[],
  base: number,
  end: number,
): BuiltSegment {
  // Count postings per term (a typed array over the ids in use), then fill one flat pair of arrays
  // in which each term owns a contiguous range: no per-posting map lookups. Tokenizer ids are dense;
  // sparse ids (hashed features, up to 2^32) are first renumbered by rank, so that the arrays stay
  // as long as the number of distinct terms.
  let maxTerm = 0;
  for (const { vector } of docs)
    for (let k = 0; k < vector.indices.length; k++) if (vector.indices[k]! > maxTerm) maxTerm = vector.indices[k]!;
  let idOf: Uint32Array | undefined;
  let slotOf = (term: number) => term;
  if (maxTerm >= DENSE_TERM_IDS) {
    idOf = Uint32Array.from(new Set(docs.flatMap(({ vector }) => Array.from(vector.indices)))).sort();
    const rank = new Map(Array.from(idOf, (term, k) => [term, k]));
    slotOf = (term) => rank.get(term)!;
    maxTerm = idOf.length - 1;
  }
  const counts = new Uint32Array(maxTerm + 2);
  let total = 0;
  for (const { vector } of docs) {
    for (let k = 0; k < vector.indices.length; k++) {
      if (vector.values[k]! > 0) {
        counts[slotOf(vector.indices[k]!)]!++;
        total++;
      }
    }
  }
  const start = new Uint32Array(maxTerm + 2);
  for (let t = 0; t <= maxTerm; t++) start[t + 1] = start[t]! + counts[t]!;
  const fill = start.slice();
  const flatDocs = new Uint32Array(total);
  const flatWeights = new Float32Array(total);
  for (const { num, vector } of docs) {
    for (let k = 0; k < vector.indices.length; k++) {
      if (!(vector.values[k]! > 0)) continue;
      const at = fill[slotOf(vector.indices[k]!)]!++;
      flatDocs[at] = num;
      flatWeights[at] = vector.values[k]!;
    }
  }
  const lists = new Map<number, PostingList>();
  for (let t = 0; t <= maxTerm; t++)
    if (counts[t])
      lists.set(idOf ? idOf[t]! : t, {
        docs: flatDocs.subarray(start[t]!, start[t + 1]!),
        weights: flatWeights.subarray(start[t]!, start[t + 1]!),
      });
  return encodeSegment(lists, base, end);
}

export function encodeSegment(lists: Map<number, PostingList>, base: number, end: number): BuiltSegment {
  return assemble(Uint32Array.from(lists.keys()).sort(), base, end, (term, out) => {
    const list = lists.get(term)!;
    let max = 0;
    for (let k = 0; k < list.weights.length; k++) if (list.weights[k]! > max) max = list.weights[k]!;
    encodePostings(list, base, out);
    return { count: list.docs.length, maxWeight: max };
  });
}

/**
 * Writes terms (ascending) into chunks of about CHUNK_BYTES and builds the dictionary. `writeTerm`
 * appends a term's blocks and says how many postings and what bound it wrote (count 0: none).
 */
function assemble(
  terms: Uint32Array,
  base: number,
  end: number,
  writeTerm: (term: number, out: ByteWriter) => { count: number; maxWeight: number },
): BuiltSegment {
  const n = terms.length;
  const d: SegmentDictionary = {
    terms: new Uint32Array(n),
    chunk: new Uint32Array(n),
    offset: new Uint32Array(n),
    count: new Uint32Array(n),
    maxWeight: new Float32Array(n),
  };
  const chunks: Chunk[] = [];
  let writer = new ByteWriter();
  let postings = 0;
  let kept = 0;
  const flush = () => {
    const bytes = writer.finish();
    chunks.push({ bytes, crc: crc32(bytes) });
    writer = new ByteWriter();
  };
  for (const term of terms) {
    if (writer.length >= CHUNK_BYTES) flush();
    const offset = writer.length;
    const { count, maxWeight } = writeTerm(term, writer);
    if (count === 0) continue;
    d.terms[kept] = term;
    d.chunk[kept] = chunks.length;
    d.offset[kept] = offset;
    d.count[kept] = count;
    d.maxWeight[kept] = maxWeight;
    kept++;
    postings += count;
  }
  if (writer.length > 0 || chunks.length === 0) flush();
  const dictionary =
    kept === n
      ? d
      : {
          terms: d.terms.slice(0, kept),
          chunk: d.chunk.slice(0, kept),
          offset: d.offset.slice(0, kept),
          count: d.count.slice(0, kept),
          maxWeight: d.maxWeight.slice(0, kept),
        };
  return { base, end, dictionary, chunks, postings };
}

/** Position of `term` in a dictionary, or -1. */
export function findTerm(dict: SegmentDictionary, term: number): number {
  let lo = 0;
  let hi = dict.terms.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const t = dict.terms[mid]!;
    if (t === term) return mid;
    if (t < term) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Per dictionary, a table of place + 1 by term id (0: absent), or null when ids are too sparse for one. */
const placeTables = new WeakMap<SegmentDictionary, Int32Array | null>();

/**
 * Position of `term` in a dictionary, or -1, through a dense table built on the first lookup: a
 * query looks up every one of its terms in every segment, and a table read beats a binary search
 * over tens of thousands of terms. Vocabularies are dense (a tokenizer's ids), so the table costs
 * 4 bytes per id; for sparse ids (hashed features) it falls back to the search.
 */
export function lookupTerm(dict: SegmentDictionary, term: number): number {
  let table = placeTables.get(dict);
  if (table === undefined) {
    const n = dict.terms.length;
    const largest = n > 0 ? dict.terms[n - 1]! : 0;
    // Up to 1 MB, which covers the largest tokenizer vocabularies (~250k ids), or 16 bytes a term.
    table = largest < Math.max(1 << 18, 4 * n) ? new Int32Array(largest + 1) : null;
    if (table) for (let k = 0; k < n; k++) table[dict.terms[k]!] = k + 1;
    placeTables.set(dict, table);
  }
  if (!table) return findTerm(dict, term);
  return term < table.length ? table[term]! - 1 : -1;
}

/**
 * One term's postings from its chunk, decoded block by block as a query needs them. The list keeps
 * a copy of the term's own bytes (they run to the next term's offset in the same chunk, or to the
 * chunk's end), not the whole chunk.
 */
export function openTerm(dict: SegmentDictionary, at: number, chunk: Chunk, base: number): LazyPostings {
  const end =
    at + 1 < dict.terms.length && dict.chunk[at + 1] === dict.chunk[at] ? dict.offset[at + 1]! : chunk.bytes.length;
  return new LazyPostings(chunk.bytes.slice(dict.offset[at]!, end), 0, dict.count[at]!, base);
}

/** Decodes one term's postings from its chunk. */
export function readTerm(dict: SegmentDictionary, at: number, chunk: Chunk, base: number): PostingList {
  return decodePostings(chunk.bytes, dict.offset[at]!, dict.count[at]!, base);
}

/**
 * Merges adjacent segments into one numbered from `base`, dropping removed documents and numbering
 * the rest densely in their order. Inputs must be in document order, so each merged list is the
 * inputs' lists one after the other: their stored blocks are copied (shifted, or re-packed where
 * documents were dropped) without quantizing again. Returns the segment and, per input, where its
 * live documents went (`renumber` maps an old number to the new one, or -1).
 */
export function mergeSegments(
  parts: readonly { base: number; end: number; dictionary: SegmentDictionary; chunks: Chunk[] }[],
  isRemoved: (doc: number) => boolean,
  base = parts[0]!.base,
): BuiltSegment & { renumber: (doc: number) => number } {
  // Per part: the new number of each old one (-1: dropped), or a plain shift when none is dropped.
  let next = base;
  const plans = parts.map((part) => {
    const size = part.end - part.base;
    const numbers = new Int32Array(size);
    let dropped = 0;
    for (let k = 0; k < size; k++) {
      if (isRemoved(part.base + k)) {
        numbers[k] = -1;
        dropped++;
      } else numbers[k] = next++;
    }
    const shift = part.base - (next - (size - dropped));
    return { numbers, shift, renumber: dropped ? (doc: number) => numbers[doc - part.base]! : undefined };
  });
  const end = next;
  const terms = Uint32Array.from(new Set(parts.flatMap((p) => Array.from(p.dictionary.terms)))).sort();
  const cursors = parts.map(() => 0);
  const built = assemble(terms, base, end, (term, out) => {
    let count = 0;
    let maxWeight = 0;
    parts.forEach((part, k) => {
      const d = part.dictionary;
      while (cursors[k]! < d.terms.length && d.terms[cursors[k]!]! < term) cursors[k]!++;
      const at = cursors[k]!;
      if (at >= d.terms.length || d.terms[at] !== term) return;
      const plan = plans[k]!;
      const kept = copyPostings(
        part.chunks[d.chunk[at]!]!.bytes,
        d.offset[at]!,
        d.count[at]!,
        part.base,
        base,
        out,
        plan.renumber,
        plan.shift,
      );
      count += kept;
      if (kept) maxWeight = Math.max(maxWeight, d.maxWeight[at]!);
    });
    return { count, maxWeight };
  });
  const renumber = (doc: number) => {
    const k = parts.findIndex((p) => doc >= p.base && doc < p.end);
    return k < 0 ? -1 : plans[k]!.numbers[doc - parts[k]!.base]!;
  };
  return { ...built, renumber };
}
