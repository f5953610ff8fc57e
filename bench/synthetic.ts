/**
 * Synthetic corpora with SPLADE-like statistics, for the index tests and benchmark:
 * Zipfian term use over a 30522-entry vocabulary, 150-250 non-zeros per document, and queries of a
 * few (inference-free) or tens of (expanded SPLADE) terms drawn from the same distribution.
 * Weights are IDF-like, as SPLADE learns them: frequent terms get small weights (~0.05-0.25),
 * rare ones large (up to 3), each with multiplicative noise.
 */
import type { SparseVector } from '../src/vector.ts';

export function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CorpusShape {
  vocab?: number;
  minTerms?: number;
  maxTerms?: number;
  /** Zipf exponent of term use. */
  exponent?: number;
}

export class ZipfTerms {
  private readonly cdf: Float64Array;
  private readonly perm: Uint32Array;
  constructor(vocab = 30522, exponent = 1.0, seed = 1) {
    this.cdf = new Float64Array(vocab);
    let sum = 0;
    for (let r = 0; r < vocab; r++) this.cdf[r] = sum += 1 / (r + 20) ** exponent;
    for (let r = 0; r < vocab; r++) this.cdf[r]! /= sum;
    // Frequent terms are spread over the vocabulary, as real ids are.
    const next = rng(seed * 7919);
    this.perm = Uint32Array.from({ length: vocab }, (_, k) => k);
    for (let k = vocab - 1; k > 0; k--) {
      const j = Math.floor(next() * (k + 1));
      [this.perm[k], this.perm[j]] = [this.perm[j]!, this.perm[k]!];
    }
  }
  /** A term rank (0 = most frequent) for a uniform draw. */
  rank(r: number): number {
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  id(rank: number): number {
    return this.perm[rank]!;
  }
}

/** IDF-like weight of a term of this frequency rank, with noise. */
function weightOf(rank: number, noise: number): number {
  return Math.min(3, Math.round((0.15 + 0.22 * Math.log(1 + rank / 20)) * (0.4 + 1.2 * noise) * 1000) / 1000);
}

function vectorOf(terms: ZipfTerms, next: () => number, n: number): SparseVector {
  const seen = new Map<number, number>();
  let guard = 0;
  while (seen.size < n && guard++ < n * 20) {
    const rank = terms.rank(next());
    const t = terms.id(rank);
    if (!seen.has(t)) seen.set(t, weightOf(rank, next()));
  }
  const indices = Uint32Array.from(seen.keys()).sort();
  return { indices, values: Float32Array.from(indices, (t) => seen.get(t)!) };
}

export function syntheticDocuments(
  count: number,
  seed: number,
  shape: CorpusShape = {},
  start = 0,
): { id: string; vector: SparseVector; fields: { group: number } }[] {
  const terms = new ZipfTerms(shape.vocab ?? 30522, shape.exponent ?? 1.0, 1);
  const next = rng(seed * 1_000_003 + start);
  const lo = shape.minTerms ?? 150;
  const hi = shape.maxTerms ?? 250;
  return Array.from({ length: count }, (_, k) => ({
    id: `d${start + k}`,
    vector: vectorOf(terms, next, lo + Math.floor(next() * (hi - lo + 1))),
    fields: { group: (start + k) % 4 },
  }));
}

export function syntheticQueries(count: number, terms: number, seed: number, shape: CorpusShape = {}): SparseVector[] {
  const z = new ZipfTerms(shape.vocab ?? 30522, shape.exponent ?? 1.0, 1);
  const next = rng(seed * 31 + terms);
  return Array.from({ length: count }, () => vectorOf(z, next, terms));
}

/**
 * The dot product written plainly, for tests' brute-force references: it shares no code with the
 * library (whose `dot` and scorers it checks).
 */
export function plainDot(a: SparseVector, b: SparseVector): number {
  let sum = 0;
  for (let i = 0, j = 0; i < a.indices.length && j < b.indices.length;) {
    if (a.indices[i] === b.indices[j]) sum += a.values[i++]! * b.values[j++]!;
    else if (a.indices[i]! < b.indices[j]!) i++;
    else j++;
  }
  return sum;
}
