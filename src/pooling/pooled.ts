/**
 * SPLADE pooling finished in JavaScript for a graph that pooled each window itself (a graph built
 * with a pooling tail, src/model/graph/tail.ts, run on the CPU backends): onnxruntime hands over one
 * [rows, vocab] row per window instead of [rows, tokens, vocab] logits, and this merges the windows
 * of each document (segment) and compacts the result exactly as poolCpu does with the logits.
 *
 * - max: each row holds, per entry, the largest raw logit over the window's real tokens and the
 *   first token reaching it. The segment keeps the largest over its windows, the first window on a
 *   tie (strictly greater replaces), which is poolCpu's rule: the first (window, token) in order that
 *   reaches the maximum. The activation is applied once per entry by `compact`, as poolCpu does, so
 *   values are bit for bit the logits path's.
 * - sum: each row holds the window's sum of activated logits; the segment adds its windows' rows in
 *   float32 (a different order of the same additions than poolCpu's, token by token: equal within
 *   float32 rounding of the sum).
 */
import type { PoolingConfig } from './config.ts';
import { compact, zeroMask, type PoolBatchShape, type PooledVector, type PoolOptions } from './cpu.ts';
import { checkPositionPacking, packPosition } from './packing.ts';

/** The pooled rows of a batch, as the graph's outputs give them. */
export interface PooledRows {
  /** [rows, vocab]: max pooling, the largest raw logit per entry; sum pooling, the sums of activated logits. */
  values: Float32Array;
  /** [rows, vocab], max pooling: the token (index within its row) of each maximum; needed for positions. */
  tokens?: Int32Array | undefined;
}

export function mergePooledRows(
  shape: PoolBatchShape,
  pooled: PooledRows,
  config: PoolingConfig,
  options: PoolOptions,
): PooledVector[] {
  const { vocab: V } = shape;
  const isMax = config.strategy === 'max';
  const positions = isMax && options.positions === true;
  if (pooled.values.length < shape.rows * V)
    throw new RangeError(`pooled values have ${pooled.values.length} values, expected ${shape.rows * V}`);
  const tokens = pooled.tokens;
  if (positions) {
    if (!tokens || tokens.length < shape.rows * V)
      throw new RangeError(`positions were asked for, but the graph gave no [${shape.rows}, ${V}] tokens`);
    checkPositionPacking(shape.tokens, shape.segments);
  }
  const zero = zeroMask(options.zeroIds, V);
  const threshold = options.threshold ?? 0;
  const acc = new Float32Array(V);
  const arg = positions ? new Uint32Array(V) : undefined;
  const values = pooled.values;
  const out: PooledVector[] = [];
  for (const seg of shape.segments) {
    if (isMax) {
      acc.set(values.subarray(seg.start * V, (seg.start + 1) * V));
      if (arg) for (let v = 0; v < V; v++) arg[v] = packPosition(0, tokens![seg.start * V + v]!);
      for (let r = seg.start + 1; r < seg.end; r++) {
        const base = r * V;
        const window = r - seg.start;
        for (let v = 0; v < V; v++) {
          const x = values[base + v]!;
          if (x > acc[v]!) {
            acc[v] = x;
            if (arg) arg[v] = packPosition(window, tokens![base + v]!);
          }
        }
      }
    } else {
      acc.fill(0);
      for (let r = seg.start; r < seg.end; r++) {
        const base = r * V;
        for (let v = 0; v < V; v++) acc[v]! += values[base + v]!;
      }
    }
    out.push(compact(acc, zero, threshold, config, arg));
  }
  return out;
}
