/**
 * Merging the pooled parts of one document (its windows may have been pooled in several batches)
 * and trimming to max_active_dims, carrying the (window, token) positions along.
 */
import type { PooledVector } from '../pooling/cpu.ts';
import type { PoolingStrategy } from '../pooling/config.ts';
import { NO_SPAN } from '../vector.ts';

export { NO_SPAN };

/**
 * A sparse vector, plus (window, token) pairs per entry when positions were asked for, and the
 * document span behind each entry when spans were.
 */
export interface EncodedVector extends PooledVector {
  /**
   * Per entry, the start and end (UTF-16 offsets into the document text, end exclusive) of the
   * token whose logit reached the entry's max; NO_SPAN twice where that was a special token or the
   * prompt.
   */
  spans?: Uint32Array;
  /** Per entry, 1 when its id is one of the document's own tokens, 0 for an expansion term. */
  literal?: Uint8Array;
}

/** A document's content tokens as encoded (after its prompt) and the windows they were cut into. */
export interface DocumentTokens {
  /** Content token ids of prompt + text, as the windows hold them. */
  ids: readonly number[];
  /** Per token, start and end in the document text (prompt removed); NO_SPAN for prompt tokens. */
  offsets: Uint32Array;
  /** Number of tokens each window holds before its content (the model's prefix, e.g. [CLS]). */
  prefixLength: number;
  /** Content tokens per window, in window order (windows do not overlap). */
  windowLengths: readonly number[];
}

/**
 * Maps each entry's (window, token) position to the content token there and gives its span and
 * whether its id occurs among the document's own tokens. Needs `v.positions`.
 */
export function attachSpans(v: EncodedVector, doc: DocumentTokens): EncodedVector {
  const n = v.indices.length;
  const spans = new Uint32Array(2 * n).fill(NO_SPAN);
  const literal = new Uint8Array(n);
  const firstOfWindow: number[] = [];
  let at = 0;
  for (const len of doc.windowLengths) {
    firstOfWindow.push(at);
    at += len;
  }
  // Ids of the text's own tokens (prompt tokens excluded: they are not the document's words).
  const own = new Set<number>();
  doc.ids.forEach((id, k) => {
    if (doc.offsets[2 * k] !== NO_SPAN) own.add(id);
  });
  for (let k = 0; k < n; k++) {
    literal[k] = own.has(v.indices[k]!) ? 1 : 0;
    if (!v.positions) continue;
    const w = v.positions[2 * k]!;
    const c = v.positions[2 * k + 1]! - doc.prefixLength;
    if (w >= doc.windowLengths.length || c < 0 || c >= doc.windowLengths[w]!) continue; // a special token
    const token = firstOfWindow[w]! + c;
    spans[2 * k] = doc.offsets[2 * token]!;
    spans[2 * k + 1] = doc.offsets[2 * token + 1]!;
  }
  return { ...v, spans, literal };
}

export interface VectorPart {
  /** Window index (within the document) of the part's first row. */
  firstWindow: number;
  vector: PooledVector;
}

export function mergeParts(parts: readonly VectorPart[], strategy: PoolingStrategy, positions: boolean): EncodedVector {
  if (parts.length === 0)
    return positions
      ? { indices: new Uint32Array(0), values: new Float32Array(0), positions: new Uint32Array(0) }
      : { indices: new Uint32Array(0), values: new Float32Array(0) };
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

/** The k largest entries (ties towards the smaller id), in id order, positions (and spans) kept aligned. */
export function selectTopK(v: EncodedVector, k: number | undefined): EncodedVector {
  const n = v.indices.length;
  if (k === undefined || k <= 0 || k >= n) return v;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => v.values[b]! - v.values[a]! || a - b);
  const keep = order.subarray(0, k).sort();
  const out: EncodedVector = { indices: new Uint32Array(k), values: new Float32Array(k) };
  if (v.positions) out.positions = new Uint32Array(2 * k);
  if (v.spans) out.spans = new Uint32Array(2 * k);
  if (v.literal) out.literal = new Uint8Array(k);
  keep.forEach((from, to) => {
    out.indices[to] = v.indices[from]!;
    out.values[to] = v.values[from]!;
    if (out.positions) {
      out.positions[2 * to] = v.positions![2 * from]!;
      out.positions[2 * to + 1] = v.positions![2 * from + 1]!;
    }
    if (out.spans) {
      out.spans[2 * to] = v.spans![2 * from]!;
      out.spans[2 * to + 1] = v.spans![2 * from + 1]!;
    }
    if (out.literal) out.literal[to] = v.literal![from]!;
  });
  return out;
}
