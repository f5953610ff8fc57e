/**
 * Sparse vectors: sorted, duplicate-free `indices` with their `values`.
 * Every function here is pure and allocation-conscious: these run per document and per query.
 */
export interface SparseVector {
  /** Vocabulary ids, strictly ascending. */
  indices: Uint32Array;
  /** Weight of each id; same length as `indices`. */
  values: Float32Array;
}

/**
 * In a vector's `spans` (start, end per entry, offsets into its text): the pair of an entry that no
 * span of the text produced (a special token, or the prompt, reached its max).
 */
export const NO_SPAN = 0xffffffff;

export const EMPTY_VECTOR: SparseVector = Object.freeze({
  indices: new Uint32Array(0),
  values: new Float32Array(0),
}) as SparseVector;

export function emptyVector(): SparseVector {
  return { indices: new Uint32Array(0), values: new Float32Array(0) };
}

/** The position of `id` in `indices` (ascending), or -1. */
export function positionOf(indices: Uint32Array, id: number): number {
  let lo = 0;
  let hi = indices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indices[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < indices.length && indices[lo] === id ? lo : -1;
}

/** Number of non-zero entries. */
export function nnz(v: SparseVector): number {
  return v.indices.length;
}

/** Dot product by merging the two sorted index lists. */
export function dot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  const ai = a.indices;
  const bi = b.indices;
  while (i < ai.length && j < bi.length) {
    const x = ai[i]!;
    const y = bi[j]!;
    if (x === y) {
      sum += a.values[i]! * b.values[j]!;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return sum;
}

/** Builds a vector from unsorted (id, weight) pairs; later duplicates keep the larger weight. */
export function fromPairs(pairs: Iterable<readonly [number, number]>): SparseVector {
  const map = new Map<number, number>();
  for (const [id, w] of pairs) {
    const prev = map.get(id);
    if (prev === undefined || w > prev) map.set(id, w);
  }
  const ids = [...map.keys()].sort((x, y) => x - y);
  const values = new Float32Array(ids.length);
  ids.forEach((id, k) => (values[k] = map.get(id)!));
  return { indices: Uint32Array.from(ids), values };
}

/**
 * Keeps the `k` largest entries (ties broken towards the smaller id, so results are deterministic),
 * returned in index order. `k <= 0` or `k >= nnz` returns the vector unchanged.
 */
export function topK(v: SparseVector, k: number | undefined): SparseVector {
  const n = v.indices.length;
  if (k === undefined || k <= 0 || k >= n) return v;
  const order = rankByWeight(v).subarray(0, k).sort();
  const indices = new Uint32Array(k);
  const values = new Float32Array(k);
  for (let r = 0; r < k; r++) {
    indices[r] = v.indices[order[r]!]!;
    values[r] = v.values[order[r]!]!;
  }
  return { indices, values };
}

/** Positions into `v` ordered by descending weight, ties by ascending id. */
export function rankByWeight(v: SparseVector): Uint32Array {
  const order = new Uint32Array(v.indices.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  // Positions are already in id order, so a stable sort on weight breaks ties by id.
  return order.sort((x, y) => v.values[y]! - v.values[x]! || x - y);
}

/**
 * Element-wise max of vectors (all weights are >= 0 after SPLADE activations).
 * Used to pool one long document across its windows.
 */
export function maxMerge(vectors: readonly SparseVector[]): SparseVector {
  if (vectors.length === 1) return vectors[0]!;
  const map = new Map<number, number>();
  for (const v of vectors) {
    for (let k = 0; k < v.indices.length; k++) {
      const id = v.indices[k]!;
      const prev = map.get(id);
      if (prev === undefined || v.values[k]! > prev) map.set(id, v.values[k]!);
    }
  }
  return fromMap(map);
}

/** Element-wise sum of vectors (for `sum` pooling across windows). */
export function sumMerge(vectors: readonly SparseVector[]): SparseVector {
  if (vectors.length === 1) return vectors[0]!;
  const map = new Map<number, number>();
  for (const v of vectors) {
    for (let k = 0; k < v.indices.length; k++) {
      const id = v.indices[k]!;
      map.set(id, (map.get(id) ?? 0) + v.values[k]!);
    }
  }
  return fromMap(map);
}

function fromMap(map: Map<number, number>): SparseVector {
  const indices = Uint32Array.from(map.keys()).sort();
  const values = new Float32Array(indices.length);
  for (let k = 0; k < indices.length; k++) values[k] = map.get(indices[k]!)!;
  return { indices, values };
}

/** Checks the invariants; used on vectors that come from outside (index import, user input). */
export function isValidSparseVector(v: unknown, vocabSize?: number): v is SparseVector {
  if (typeof v !== 'object' || v === null) return false;
  const { indices, values } = v as SparseVector;
  if (!(indices instanceof Uint32Array) || !(values instanceof Float32Array)) return false;
  if (indices.length !== values.length) return false;
  for (let k = 0; k < indices.length; k++) {
    if (k > 0 && indices[k]! <= indices[k - 1]!) return false;
    if (vocabSize !== undefined && indices[k]! >= vocabSize) return false;
    if (!Number.isFinite(values[k]!)) return false;
  }
  return true;
}
