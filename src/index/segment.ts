/**
 * Segments: an immutable inverted index over a contiguous range of document numbers, built in
 * memory (pure code, unit-tested in Node) and stored as a dictionary plus term-range chunks.
 *
 * The dictionary (loaded when an index opens) says, per term, which chunk holds its postings, at
 * which offset, how many there are and their max weight (the MaxScore bound). Chunks hold the
 * encoded blocks of a range of terms, so a query reads only the chunks of its own terms.
 */
import type { SparseVector } from '../vector/sparse.ts';
import { ByteWriter, crc32, decodePostings, encodePostings, LazyPostings, type PostingList } from './codec.ts';

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
export function buildSegment(docs: readonly { num: number; vector: SparseVector }[], base: number, end: number): BuiltSegment {
  // Count postings per term first, so the inversion fills flat typed arrays.
  const counts = new Map<number, number>();
  for (const { vector } of docs) for (let k = 0; k < vector.indices.length; k++) if (vector.values[k]! > 0) counts.set(vector.indices[k]!, (counts.get(vector.indices[k]!) ?? 0) + 1);
  const lists = new Map<number, PostingList & { fill: number }>();
  for (const [term, n] of counts) lists.set(term, { docs: new Uint32Array(n), weights: new Float32Array(n), fill: 0 });
  for (const { num, vector } of docs) {
    for (let k = 0; k < vector.indices.length; k++) {
      if (!(vector.values[k]! > 0)) continue;
      const l = lists.get(vector.indices[k]!)!;
      l.docs[l.fill] = num;
      l.weights[l.fill++] = vector.values[k]!;
    }
  }
  return encodeSegment(lists, base, end);
}

export function encodeSegment(lists: Map<number, PostingList>, base: number, end: number): BuiltSegment {
  const terms = Uint32Array.from(lists.keys()).sort();
  const n = terms.length;
  const dictionary: SegmentDictionary = { terms, chunk: new Uint32Array(n), offset: new Uint32Array(n), count: new Uint32Array(n), maxWeight: new Float32Array(n) };
  const chunks: Chunk[] = [];
  let writer = new ByteWriter();
  let postings = 0;
  const flush = () => {
    const bytes = writer.finish();
    chunks.push({ bytes, crc: crc32(bytes) });
    writer = new ByteWriter();
  };
  terms.forEach((term, i) => {
    const list = lists.get(term)!;
    if (writer.length >= CHUNK_BYTES) flush();
    dictionary.chunk[i] = chunks.length;
    dictionary.offset[i] = writer.length;
    dictionary.count[i] = list.docs.length;
    let max = 0;
    for (let k = 0; k < list.weights.length; k++) if (list.weights[k]! > max) max = list.weights[k]!;
    dictionary.maxWeight[i] = max;
    encodePostings(list, base, writer);
    postings += list.docs.length;
  });
  if (writer.length > 0 || chunks.length === 0) flush();
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

/** One term's postings from its chunk, decoded block by block as a query needs them. */
export function openTerm(dict: SegmentDictionary, at: number, chunk: Chunk, base: number): LazyPostings {
  return new LazyPostings(chunk.bytes, dict.offset[at]!, dict.count[at]!, base);
}

/** Decodes one term's postings from its chunk. */
export function readTerm(dict: SegmentDictionary, at: number, chunk: Chunk, base: number): PostingList {
  return decodePostings(chunk.bytes, dict.offset[at]!, dict.count[at]!, base);
}

/**
 * Merges adjacent segments into one, dropping deleted documents. Inputs must be in document order
 * and cover adjacent ranges, so each merged list is the concatenation of the inputs' lists.
 */
export function mergeSegments(parts: readonly { base: number; end: number; dictionary: SegmentDictionary; chunks: Chunk[] }[], isDeleted: (doc: number) => boolean): BuiltSegment {
  const lists = new Map<number, { docs: number[]; weights: number[] }>();
  for (const part of parts) {
    const d = part.dictionary;
    for (let i = 0; i < d.terms.length; i++) {
      const list = readTerm(d, i, part.chunks[d.chunk[i]!]!, part.base);
      let target = lists.get(d.terms[i]!);
      for (let k = 0; k < list.docs.length; k++) {
        if (isDeleted(list.docs[k]!)) continue;
        if (!target) lists.set(d.terms[i]!, (target = { docs: [], weights: [] }));
        target.docs.push(list.docs[k]!);
        target.weights.push(list.weights[k]!);
      }
    }
  }
  const typed = new Map<number, PostingList>();
  for (const [term, l] of lists) typed.set(term, { docs: Uint32Array.from(l.docs), weights: Float32Array.from(l.weights) });
  return encodeSegment(typed, parts[0]!.base, parts[parts.length - 1]!.end);
}
