/**
 * SPLADE pooling on the CPU: the WASM / Node path, and the oracle the WGSL kernel is tested against.
 *
 * Input is a batch of windows (rows) of logits [rows, tokens, vocab]; windows that belong to the same
 * document form a contiguous segment and are pooled together: max (or sum) over every real token of
 * every window of the segment. Each window was its own forward pass, so each token's logits come from
 * the context of its own window only; a long document's vector is therefore the max over its
 * windows' vectors, not what one pass over all of its tokens would give (no model here could take
 * them all in one pass). `longDocuments: 'truncate'` keeps only the first window, which is what
 * sentence-transformers computes.
 */
import type { PoolingConfig } from './config.ts';
import { activate } from './config.ts';
import { checkPositionPacking, packPosition, unpackToken, unpackWindow } from './packing.ts';
import type { SparseVector } from '../vector.ts';

/** The shape of a batch of windows, shared by the CPU and GPU poolers. */
export interface PoolBatchShape {
  rows: number;
  tokens: number;
  vocab: number;
  /** Real (unpadded) length of each row; padding is at the end of a row. */
  lengths: ArrayLike<number>;
  /** Consecutive row ranges, one per output vector. */
  segments: readonly { start: number; end: number }[];
}

export interface PoolBatch extends PoolBatchShape {
  /** [rows, tokens, vocab] float32. */
  logits: Float32Array;
}

export interface PoolOptions {
  /** Vocabulary ids forced to zero (special tokens). */
  zeroIds: ArrayLike<number>;
  /** Keep entries with a value strictly above this (default 0). */
  threshold?: number;
  /** Also report which (window, token) produced each entry (max pooling only). */
  positions?: boolean;
}

/** A pooled vector; `positions` holds (window, token) pairs, interleaved, when requested. */
export interface PooledVector extends SparseVector {
  positions?: Uint32Array;
}

export function poolCpu(batch: PoolBatch, config: PoolingConfig, options: PoolOptions): PooledVector[] {
  const { logits, tokens: T, vocab: V } = batch;
  if (logits.length < batch.rows * T * V)
    throw new RangeError(`logits has ${logits.length} values, expected ${batch.rows * T * V}`);
  if (options.positions && config.strategy === 'max') checkPositionPacking(T, batch.segments);
  const zero = zeroMask(options.zeroIds, V);
  const threshold = options.threshold ?? 0;
  const acc = new Float32Array(V);
  const arg = options.positions ? new Uint32Array(V) : undefined;
  const out: PooledVector[] = [];

  for (const seg of batch.segments) {
    if (config.strategy === 'max') {
      // Max the raw logits, then activate once per entry: the activations are monotone, so this
      // equals max(activation(x)) at T times fewer logarithms.
      acc.fill(-Infinity);
      for (let r = seg.start; r < seg.end; r++) {
        const len = batch.lengths[r]!;
        for (let t = 0; t < len; t++) {
          const base = (r * T + t) * V;
          if (arg) {
            const where = packPosition(r - seg.start, t);
            for (let v = 0; v < V; v++) {
              const x = logits[base + v]!;
              if (x > acc[v]!) {
                acc[v] = x;
                arg[v] = where;
              }
            }
          } else {
            for (let v = 0; v < V; v++) {
              const x = logits[base + v]!;
              if (x > acc[v]!) acc[v] = x;
            }
          }
        }
      }
    } else {
      acc.fill(0);
      for (let r = seg.start; r < seg.end; r++) {
        const len = batch.lengths[r]!;
        for (let t = 0; t < len; t++) {
          const base = (r * T + t) * V;
          for (let v = 0; v < V; v++) {
            const x = logits[base + v]!;
            if (x > 0) acc[v]! += activate(x, config.activation);
          }
        }
      }
    }
    out.push(compact(acc, zero, threshold, config, arg));
  }
  return out;
}

/** 1 at each of `zeroIds` below `vocab`: the entries a pooled vector never keeps. */
export function zeroMask(zeroIds: ArrayLike<number>, vocab: number): Uint8Array {
  const zero = new Uint8Array(vocab);
  for (let k = 0; k < zeroIds.length; k++) {
    const id = zeroIds[k]!;
    if (id < vocab) zero[id] = 1;
  }
  return zero;
}

/**
 * One segment's pooled vector from its accumulator (max: the largest raw logit per entry, activated
 * here; sum: the sums of activated logits) and, for max, packed positions per entry: entries not
 * positive, zeroed or not above `threshold` are dropped. Shared with src/pooling/pooled.ts, so both
 * CPU paths round and drop alike.
 */
export function compact(
  acc: Float32Array,
  zero: Uint8Array,
  threshold: number,
  config: PoolingConfig,
  arg?: Uint32Array,
): PooledVector {
  const V = acc.length;
  const isMax = config.strategy === 'max';
  let n = 0;
  const indices: number[] = [];
  const values: number[] = [];
  for (let v = 0; v < V; v++) {
    const raw = acc[v]!;
    if (raw <= 0 || zero[v]) continue;
    const value = Math.fround(isMax ? activate(raw, config.activation) : raw);
    if (value > threshold) {
      indices.push(v);
      values.push(value);
      n++;
    }
  }
  const result: PooledVector = { indices: Uint32Array.from(indices), values: Float32Array.from(values) };
  if (arg && isMax) {
    const positions = new Uint32Array(2 * n);
    for (let k = 0; k < n; k++) {
      const packed = arg[indices[k]!]!;
      positions[2 * k] = unpackWindow(packed);
      positions[2 * k + 1] = unpackToken(packed);
    }
    result.positions = positions;
  }
  return result;
}
