/**
 * Why did a document match? A dot-product score splits exactly into per-token products.
 */
import type { SparseVector } from '../vector.ts';
import { rankByWeight } from '../vector.ts';

export interface TokenWeight {
  id: number;
  token: string;
  weight: number;
}

/** A [start, end) range of UTF-16 offsets in a document's text. */
export interface SourceSpan {
  start: number;
  end: number;
}

export interface Contribution {
  id: number;
  token: string;
  queryWeight: number;
  documentWeight: number;
  /** queryWeight * documentWeight; the contributions of a hit sum to its score. */
  product: number;
  /**
   * Index hits only: the document spans whose tokens produced documentWeight (for max pooling, the
   * token that reached the max); empty when the index holds no spans for the document.
   */
  sources?: SourceSpan[];
  /** Index hits only: true when the term does not occur in the document's text (an expansion). */
  expansion?: boolean;
}

export interface Explanation {
  score: number;
  /** Largest product first; ties by id. */
  contributions: Contribution[];
}

/** The `topK` heaviest entries of a vector as readable tokens (all of them when topK is omitted). */
export function decodeVector(v: SparseVector, tokenOf: (id: number) => string, topK?: number): TokenWeight[] {
  const order = rankByWeight(v);
  const n = topK === undefined ? order.length : Math.min(Math.max(0, topK), order.length);
  const out: TokenWeight[] = [];
  for (let r = 0; r < n; r++) {
    const k = order[r]!;
    out.push({ id: v.indices[k]!, token: tokenOf(v.indices[k]!), weight: v.values[k]! });
  }
  return out;
}

export function explainMatch(query: SparseVector, doc: SparseVector, tokenOf: (id: number) => string): Explanation {
  const contributions: Contribution[] = [];
  let i = 0;
  let j = 0;
  while (i < query.indices.length && j < doc.indices.length) {
    const a = query.indices[i]!;
    const b = doc.indices[j]!;
    if (a === b) {
      const q = query.values[i]!;
      const d = doc.values[j]!;
      contributions.push({ id: a, token: tokenOf(a), queryWeight: q, documentWeight: d, product: q * d });
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  // Sum in id order (the order dot() uses) so the total equals dot(query, doc) exactly.
  const score = contributions.reduce((s, c) => s + c.product, 0);
  contributions.sort((x, y) => y.product - x.product || x.id - y.id);
  return { score, contributions };
}
