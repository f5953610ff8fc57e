import { describe, expect, it } from 'vitest';
import { activate, parsePoolingConfig } from '../src/pooling/config.ts';
import { poolCpu } from '../src/pooling/cpu.ts';
import { mergeParts, selectTopK } from '../src/encode/merge.ts';
import { batchInputs, planBatches, windowsOf } from '../src/encode/plan.ts';
import { mulberry32 } from './support.ts';

/** Reference pooling written the naive way: activation on every logit, then max/sum. */
function naivePool(logits: Float32Array, rows: number[], T: number, V: number, lengths: number[], strategy: 'max' | 'sum', activation: 'relu' | 'log1p_relu') {
  const out = new Float64Array(V);
  for (const r of rows) for (let t = 0; t < lengths[r]!; t++) for (let v = 0; v < V; v++) {
    const a = activate(logits[(r * T + t) * V + v]!, activation);
    out[v] = strategy === 'max' ? Math.max(out[v]!, a) : out[v]! + a;
  }
  return out;
}

describe('CPU pooling', () => {
  const rng = mulberry32(3);
  const R = 3, T = 5, V = 40;
  const logits = Float32Array.from({ length: R * T * V }, () => rng() * 4 - 3);
  const lengths = [5, 3, 4];
  for (const strategy of ['max', 'sum'] as const) {
    for (const activation of ['relu', 'log1p_relu'] as const) {
      it(`${strategy} / ${activation} equals activation-then-pool over unpadded tokens`, () => {
        const got = poolCpu({ logits, rows: R, tokens: T, vocab: V, lengths, segments: [{ start: 0, end: 2 }, { start: 2, end: 3 }] }, { strategy, activation, vocabSize: V }, { zeroIds: [0, 7] });
        const want = [naivePool(logits, [0, 1], T, V, lengths, strategy, activation), naivePool(logits, [2], T, V, lengths, strategy, activation)];
        got.forEach((vec, s) => {
          const dense = new Float64Array(V);
          vec.indices.forEach((id, k) => (dense[id] = vec.values[k]!));
          for (let v = 0; v < V; v++) {
            const expected = v === 0 || v === 7 ? 0 : want[s]![v]!;
            expect(dense[v]).toBeCloseTo(expected, 5);
          }
        });
      });
    }
  }

  it('relu is log1p(relu(x)) and log1p_relu is log1p(log1p(relu(x)))', () => {
    expect(activate(2, 'relu')).toBeCloseTo(Math.log1p(2));
    expect(activate(2, 'log1p_relu')).toBeCloseTo(Math.log1p(Math.log1p(2)));
    expect(activate(-1, 'relu')).toBe(0);
  });

  it('reports the first (window, token) reaching the max', () => {
    const V1 = 2;
    const l = Float32Array.from([0.5, 1, 2, 1, 2, -1, /* row 1 */ 2, 0, 9, 0, 0, 0]);
    const [v] = poolCpu({ logits: l, rows: 2, tokens: 3, vocab: V1, lengths: [3, 2], segments: [{ start: 0, end: 2 }] }, { strategy: 'max', activation: 'relu', vocabSize: V1 }, { zeroIds: [], positions: true });
    // id 0: max 9 at row 1 token 1; id 1: max 1 first at row 0 token 0 (ties keep the first)
    expect(Array.from(v!.positions!)).toEqual([1, 1, 0, 0]);
  });

  it('rejects unknown pooling configs with the accepted values', () => {
    expect(() => parsePoolingConfig({ pooling_strategy: 'mean' }, 'x/config.json')).toThrow(/pooling_strategy "mean".*accepted: max, sum/);
    expect(() => parsePoolingConfig({ activation_function: 'gelu' }, 'x/config.json')).toThrow(/activation_function "gelu".*accepted: relu, log1p_relu/);
    expect(parsePoolingConfig({ pooling_strategy: 'sum', activation_function: 'log1p_relu', embedding_dimension: 50000 }, 'c').vocabSize).toBe(50000);
  });
});

describe('windows and batches', () => {
  it('cuts content into windows that each carry the special tokens', () => {
    const w = windowsOf([1, 2, 3, 4, 5, 6, 7], 5, [101], [102]);
    expect(w).toEqual([[101, 1, 2, 3, 102], [101, 4, 5, 6, 102], [101, 7, 102]]);
    expect(windowsOf([], 5, [101], [102])).toEqual([]);
    expect(() => windowsOf([1], 2, [101], [102])).toThrow(/no room/);
  });

  it('plans batches that cover every window once, with contiguous per-document segments', () => {
    const rng = mulberry32(11);
    const docs = Array.from({ length: 23 }, () => windowsOf(Array.from({ length: Math.floor(rng() * 40) }, (_, k) => k + 5), 10, [1], [2]));
    const batches = planBatches(docs, 4);
    const seen = docs.map((d) => new Array(d.length).fill(0));
    for (const b of batches) {
      expect(b.rows.length).toBeLessThanOrEqual(4);
      expect(b.tokens).toBe(Math.max(...b.rows.map((r) => r.ids.length)));
      for (const s of b.segments) for (let r = s.start; r < s.end; r++) {
        expect(b.rows[r]!.doc).toBe(s.doc);
        expect(b.rows[r]!.window).toBe(s.firstWindow + r - s.start);
      }
      for (const r of b.rows) seen[r.doc]![r.window]++;
    }
    expect(seen.flat().every((n) => n === 1)).toBe(true);
    const { inputIds, attentionMask, lengths } = batchInputs(batches[0]!, 0);
    expect(inputIds.length).toBe(batches[0]!.rows.length * batches[0]!.tokens);
    expect(Number(attentionMask.reduce((a, b) => a + b, 0n))).toBe(Array.from(lengths).reduce((a, b) => a + b, 0));
  });

  it('merging parts pooled in separate batches equals pooling all windows together', () => {
    const rng = mulberry32(5);
    const T = 4, V = 30, R = 5;
    const logits = Float32Array.from({ length: R * T * V }, () => rng() * 4 - 3);
    const lengths = [4, 4, 3, 4, 2];
    const cfg = { strategy: 'max' as const, activation: 'relu' as const, vocabSize: V };
    const [whole] = poolCpu({ logits, rows: R, tokens: T, vocab: V, lengths, segments: [{ start: 0, end: R }] }, cfg, { zeroIds: [], positions: true });
    const parts = poolCpu({ logits, rows: R, tokens: T, vocab: V, lengths, segments: [{ start: 0, end: 2 }, { start: 2, end: 5 }] }, cfg, { zeroIds: [], positions: true });
    const merged = mergeParts([{ firstWindow: 2, vector: parts[1]! }, { firstWindow: 0, vector: parts[0]! }], 'max', true);
    expect(Array.from(merged.indices)).toEqual(Array.from(whole!.indices));
    expect(Array.from(merged.values)).toEqual(Array.from(whole!.values));
    expect(Array.from(merged.positions!)).toEqual(Array.from(whole!.positions!));
    const top = selectTopK(merged, 3);
    expect(top.indices.length).toBe(3);
    expect(top.positions!.length).toBe(6);
  });
});
