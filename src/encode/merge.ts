/**
 * Merging the pooled parts of one document (its windows may have been pooled in several batches)
 * and trimming to max_active_dims, carrying the (window, token) positions along.
 */
import type { PooledVector } from '../pooling/cpu.ts';
import type { PoolingStrategy } from '../pooling/config.ts';

/** A sparse vector, plus (window, token) pairs per entry when positions were asked for. */
export type EncodedVector = PooledVector;

export interface VectorPart {
  /** Window index (within the document) of the part's first row. */
  firstWindow: number;
  vector: PooledVector;
}

export function mergeParts(parts: readonly VectorPart[], strategy: PoolingStrategy, positions: boolean): EncodedVector {
  if (parts.length === 0) return positions ? { indices: new Uint32Array(0), values: new Float32Array(0), positions: new Uint32Array(0) } : { indices: new Uint32Array(0), values: new Float32Array(0) };
  const ordered = [...parts].sort((a, b) => a.firstWindow - b.firstWindow);
  if (ordered.length === 1 && ordered[0]!.firstWindow === 0) return withoutPositions(ordered[0]!.vector, positions);
  const value = new Map<number, number>();
  const source = new Map<number, [number, number]>();
  for (const { firstWindow, vector } of ordered) {
    for (let k = 0; k < vector.indices.length; k++) {
      const id = vector.indices[k]!;
      const x = vector.values[k]!;
      const prev = value.get(id);
      if (strategy === 'sum') value.set(id, (prev ?? 0) + x);
      else if (prev === undefined || x > prev) {
        // Strictly greater: an earlier window keeps ties, matching pooling over all tokens at once.
        value.set(id, x);
        if (vector.positions) source.set(id, [firstWindow + vector.positions[2 * k]!, vector.positions[2 * k + 1]!]);
      }
    }
  }
  const indices = Uint32Array.from(value.keys()).sort();
  const values = new Float32Array(indices.length);
  indices.forEach((id, k) => (values[k] = value.get(id)!));
  const out: EncodedVector = { indices, values };
  if (positions && strategy === 'max') {
    const pos = new Uint32Array(2 * indices.length);
    indices.forEach((id, k) => {
      const [w, t] = source.get(id) ?? [0, 0];
      pos[2 * k] = w;
      pos[2 * k + 1] = t;
    });
    out.positions = pos;
  }
  return out;
}

function withoutPositions(v: PooledVector, keep: boolean): EncodedVector {
  if (keep || !v.positions) return v;
  return { indices: v.indices, values: v.values };
}

/** The k largest entries (ties towards the smaller id), in id order, positions kept aligned. */
export function selectTopK(v: EncodedVector, k: number | undefined): EncodedVector {
  const n = v.indices.length;
  if (k === undefined || k <= 0 || k >= n) return v;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => v.values[b]! - v.values[a]! || a - b);
  const keep = order.subarray(0, k).sort();
  const out: EncodedVector = { indices: new Uint32Array(k), values: new Float32Array(k) };
  if (v.positions) out.positions = new Uint32Array(2 * k);
  keep.forEach((from, to) => {
    out.indices[to] = v.indices[from]!;
    out.values[to] = v.values[from]!;
    if (out.positions) {
      out.positions[2 * to] = v.positions![2 * from]!;
      out.positions[2 * to + 1] = v.positions![2 * from + 1]!;
    }
  });
  return out;
}
