/** A query term's posting list in one segment, as both scorers read it. */
import { seek } from '../format/seek.ts';

export interface TermList {
  term: number;
  queryWeight: number;
  /** Documents, strictly ascending, and their weights. Lazily decoded lists fill them on demand. */
  docs: Uint32Array;
  weights: Float32Array;
  /** Largest weight in `weights`. */
  maxWeight: number;
  /**
   * Set for lazily decoded lists: decode everything, or seek decoding only the block it lands in.
   * The reader writes it (as undefined too) on every list, so all lists share one object shape.
   */
  lazy?: LazyList | undefined;
}

export interface LazyList {
  loadAll(): void;
  /** Position of the first posting at or after `from` with a document >= target; its block is decoded. */
  seek(from: number, target: number): number;
  /**
   * The weights indexed by document - range base (0 where absent), for `size` documents, kept by
   * the list; undefined while the list is not wholly decoded (seeks are cheaper than decoding it).
   */
  column?(size: number): Float32Array | undefined;
}

export interface DocRange {
  /** All documents of the lists lie in [base, end). */
  base: number;
  end: number;
}

/** Position of the first posting at or after `from` with a document >= target, readable. */
export function seekIn(list: TermList, from: number, target: number): number {
  return list.lazy ? list.lazy.seek(from, target) : seek(list.docs, from, target);
}

/** The weight `list` gives `doc`, or 0. */
export function weightOf(list: TermList, doc: number): number {
  const p = seekIn(list, 0, doc);
  return p < list.docs.length && list.docs[p] === doc ? list.weights[p]! : 0;
}

/** Lists in the order both scorers add them up: largest bound first, then by term id. */
export function byBound(lists: readonly TermList[]): TermList[] {
  return lists
    .filter((l) => l.docs.length > 0 && l.queryWeight > 0)
    .sort((a, b) => b.queryWeight * b.maxWeight - a.queryWeight * a.maxWeight || a.term - b.term);
}

/** Adds `q * weight` of every posting of `list` to its document's accumulator. */
export function accumulate(acc: Float64Array, list: TermList, base: number): void {
  list.lazy?.loadAll();
  const q = list.queryWeight;
  const docs = list.docs;
  const weights = list.weights;
  for (let p = 0; p < docs.length; p++) acc[docs[p]! - base]! += q * weights[p]!;
}
