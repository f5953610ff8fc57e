import { describe, expect, it } from 'vitest';
import { activate, parsePoolingConfig } from '../src/pooling/config.ts';
import { poolCpu } from '../src/pooling/cpu.ts';
import { mergeParts, selectTopK } from '../src/encode/merge.ts';
import { batchInputs, planBatches, windowsOf } from '../src/encode/plan.ts';
import { mulberry32 } from './support.ts';

/** Reference pooling written the naive way: activation on every logit, then max/sum. */
function naivePool(
  logits: Float32Array,
  rows: number[],
  T: number,
  V: number,
  lengths: number[],
  strategy: 'max' | 'sum',
  activation: 'relu' | 'log1p_relu',
) {
  const out = new Float64Array(V);
  for (const r of rows)
    for (let t = 0; t < lengths[r]!; t++)
      for (let v = 0; v < V; v++) {
        const a = activate(logits[(r * T + t) * V + v]!, activation);
        out[v] = strategy === 'max' ? Math.max(out[v]!, a) : out[v]! + a;
      }
  return out;
}

describe('CPU pooling', () => {
  const rng = mulberry32(3);
  const R = 3,
    T = 5,
    V = 40;
  const logits = Float32Array.from({ length: R * T * V }, () => rng() * 4 - 3);
  const lengths = [5, 3, 4];
  for (const strategy of ['max', 'sum'] as const) {
    for (const activation of ['relu', 'log1p_relu'] as const) {
      it(`${strategy} / ${activation} equals activation-then-pool over unpadded tokens`, () => {
        const got = poolCpu(
          {
            logits,
            rows: R,
            tokens: T,
            vocab: V,
            lengths,
            segments: [
              { start: 0, end: 2 },
              { start: 2, end: 3 },
            ],
          },
          { strategy, activation, vocabSize: V },
          { zeroIds: [0, 7] },
        );
        const want = [
          naivePool(logits, [0, 1], T, V, lengths, strategy, activation),
          naivePool(logits, [2], T, V, lengths, strategy, activation),
        ];
        got.forEach((vec, s) => {
          // The same non-zero set (zeroed ids excluded), and the largest error over the entries:
          // float32 results (one rounding for max, float32 sums) against a float64 reference.
          const expectedIds = Array.from({ length: V }, (_, v) => v).filter(
            (v) => v !== 0 && v !== 7 && want[s]![v]! > 0,
          );
          expect(Array.from(vec.indices)).toEqual(expectedIds);
          const maxErr = expectedIds.reduce((m, v, k) => Math.max(m, Math.abs(vec.values[k]! - want[s]![v]!)), 0);
          expect(maxErr).toBeLessThanOrEqual(strategy === 'max' ? 2e-7 : 1e-6);
        });
      });
    }
  }

  it('relu is log1p(relu(x)) and log1p_relu is log1p(log1p(relu(x)))', () => {
    expect(activate(2, 'relu')).toBe(Math.log1p(2));
    expect(activate(2, 'log1p_relu')).toBe(Math.log1p(Math.log1p(2)));
    expect(activate(-1, 'relu')).toBe(0);
    expect(activate(0, 'log1p_relu')).toBe(0);
  });

  it('reports the first (window, token) reaching the max', () => {
    const V1 = 2;
    const l = Float32Array.from([0.5, 1, 2, 1, 2, -1, /* row 1 */ 2, 0, 9, 0, 0, 0]);
    const [v] = poolCpu(
      { logits: l, rows: 2, tokens: 3, vocab: V1, lengths: [3, 2], segments: [{ start: 0, end: 2 }] },
      { strategy: 'max', activation: 'relu', vocabSize: V1 },
      { zeroIds: [], positions: true },
    );
    // id 0: max 9 at row 1 token 1; id 1: max 1 first at row 0 token 0 (ties keep the first)
    expect(Array.from(v!.indices)).toEqual([0, 1]);
    expect(Array.from(v!.values)).toEqual([Math.fround(Math.log1p(9)), Math.fround(Math.log1p(1))]);
    expect(Array.from(v!.positions!)).toEqual([1, 1, 0, 0]);
  });

  it('rejects unknown pooling configs with the accepted values', () => {
    expect(() => parsePoolingConfig({ pooling_strategy: 'mean' }, 'x/config.json')).toThrow(
      /pooling_strategy "mean".*accepted: max, sum/,
    );
    expect(() => parsePoolingConfig({ activation_function: 'gelu' }, 'x/config.json')).toThrow(
      /activation_function "gelu".*accepted: relu, log1p_relu/,
    );
    expect(
      parsePoolingConfig(
        { pooling_strategy: 'sum', activation_function: 'log1p_relu', embedding_dimension: 50000 },
        'c',
      ).vocabSize,
    ).toBe(50000);
  });
});

describe('windows and batches', () => {
  it('cuts content into windows that each carry the special tokens', () => {
    const w = windowsOf([1, 2, 3, 4, 5, 6, 7], 5, [101], [102]);
    expect(w).toEqual([
      [101, 1, 2, 3, 102],
      [101, 4, 5, 6, 102],
      [101, 7, 102],
    ]);
    expect(windowsOf([], 5, [101], [102])).toEqual([]);
    expect(() => windowsOf([1], 2, [101], [102])).toThrow(/no room/);
  });

  it('plans batches that cover every window once, with contiguous per-document segments', () => {
    const rng = mulberry32(11);
    const docs = Array.from({ length: 23 }, () =>
      windowsOf(
        Array.from({ length: Math.floor(rng() * 40) }, (_, k) => k + 5),
        10,
        [1],
        [2],
      ),
    );
    const batches = planBatches(docs, 4);
    const seen = docs.map((d) => new Array(d.length).fill(0));
    for (const b of batches) {
      expect(b.rows.length).toBeLessThanOrEqual(4);
      expect(b.tokens).toBe(Math.max(...b.rows.map((r) => r.ids.length)));
      for (const s of b.segments)
        for (let r = s.start; r < s.end; r++) {
          expect(b.rows[r]!.doc).toBe(s.doc);
          expect(b.rows[r]!.window).toBe(s.firstWindow + r - s.start);
        }
      for (const r of b.rows) seen[r.doc]![r.window]++;
    }
    expect(seen.flat().every((n) => n === 1)).toBe(true);
    // Inputs: each row's ids then padding, the mask 1 exactly over the real ids.
    for (const b of batches) {
      const { inputIds, attentionMask, lengths } = batchInputs(b, 99);
      expect(inputIds.length).toBe(b.rows.length * b.tokens);
      expect(Array.from(lengths)).toEqual(b.rows.map((r) => r.ids.length));
      b.rows.forEach((row, r) => {
        const ids = Array.from(inputIds.subarray(r * b.tokens, (r + 1) * b.tokens), Number);
        const mask = Array.from(attentionMask.subarray(r * b.tokens, (r + 1) * b.tokens), Number);
        expect(ids).toEqual([...row.ids, ...new Array(b.tokens - row.ids.length).fill(99)]);
        expect(mask).toEqual([...new Array(row.ids.length).fill(1), ...new Array(b.tokens - row.ids.length).fill(0)]);
      });
    }
  });

  it('merging parts pooled in separate batches equals pooling all windows together', () => {
    const rng = mulberry32(5);
    const T = 4,
      V = 30,
      R = 5;
    const logits = Float32Array.from({ length: R * T * V }, () => rng() * 4 - 3);
    const lengths = [4, 4, 3, 4, 2];
    const cfg = { strategy: 'max' as const, activation: 'relu' as const, vocabSize: V };
    const [whole] = poolCpu({ logits, rows: R, tokens: T, vocab: V, lengths, segments: [{ start: 0, end: R }] }, cfg, {
      zeroIds: [],
      positions: true,
    });
    const parts = poolCpu(
      {
        logits,
        rows: R,
        tokens: T,
        vocab: V,
        lengths,
        segments: [
          { start: 0, end: 2 },
          { start: 2, end: 5 },
        ],
      },
      cfg,
      { zeroIds: [], positions: true },
    );
    const merged = mergeParts(
      [
        { firstWindow: 2, vector: parts[1]! },
        { firstWindow: 0, vector: parts[0]! },
      ],
      'max',
      true,
    );
    expect(Array.from(merged.indices)).toEqual(Array.from(whole!.indices));
    expect(Array.from(merged.values)).toEqual(Array.from(whole!.values));
    expect(Array.from(merged.positions!)).toEqual(Array.from(whole!.positions!));
    // Top 3: the three largest entries, in id order, each with its own position.
    const top = selectTopK(merged, 3);
    const largest = Array.from(merged.indices.keys())
      .sort((a, b) => merged.values[b]! - merged.values[a]! || a - b)
      .slice(0, 3)
      .sort((a, b) => a - b);
    expect(Array.from(top.indices)).toEqual(largest.map((k) => merged.indices[k]!));
    expect(Array.from(top.values)).toEqual(largest.map((k) => merged.values[k]!));
    expect(Array.from(top.positions!)).toEqual(
      largest.flatMap((k) => [merged.positions![2 * k]!, merged.positions![2 * k + 1]!]),
    );
  });
});
