import { describe, expect, it } from 'vitest';
import { dot, fromPairs, isValidSparseVector, maxMerge, sumMerge, topK } from '../src/vector.ts';
import { decodeVector, explainMatch } from '../src/results/explain.ts';
import { mulberry32 } from './support.ts';

const vec = (pairs: [number, number][]) => fromPairs(pairs);

describe('sparse vectors', () => {
  it('dot merges sorted indices', () => {
    const a = vec([
      [1, 2],
      [5, 3],
      [9, 1],
    ]);
    const b = vec([
      [0, 7],
      [5, 2],
      [9, 4],
      [12, 1],
    ]);
    expect(dot(a, b)).toBe(3 * 2 + 1 * 4); // small integers: exact
    expect(dot(a, vec([]))).toBe(0);
  });

  it('fromPairs sorts and keeps the larger duplicate', () => {
    const v = vec([
      [7, 1],
      [3, 2],
      [7, 5],
    ]);
    expect(Array.from(v.indices)).toEqual([3, 7]);
    expect(Array.from(v.values)).toEqual([2, 5]);
  });

  it('topK keeps the largest, ties towards the smaller id, result in id order', () => {
    const v = vec([
      [1, 0.5],
      [2, 0.9],
      [3, 0.5],
      [4, 0.1],
    ]);
    const t = topK(v, 2);
    expect(Array.from(t.indices)).toEqual([1, 2]);
    expect(Array.from(t.values)).toEqual([0.5, Math.fround(0.9)]);
    expect(topK(v, 10)).toBe(v);
    expect(topK(v, undefined)).toBe(v);
  });

  it('max and sum merges', () => {
    const a = vec([
      [1, 1],
      [2, 3],
    ]);
    const b = vec([
      [2, 2],
      [4, 5],
    ]);
    expect(Array.from(maxMerge([a, b]).indices)).toEqual([1, 2, 4]);
    expect(Array.from(maxMerge([a, b]).values)).toEqual([1, 3, 5]);
    expect(Array.from(sumMerge([a, b]).indices)).toEqual([1, 2, 4]);
    expect(Array.from(sumMerge([a, b]).values)).toEqual([1, 5, 5]);
  });

  it('validates vectors from outside', () => {
    expect(isValidSparseVector(vec([[1, 1]]))).toBe(true);
    expect(isValidSparseVector({ indices: Uint32Array.of(2, 1), values: Float32Array.of(1, 1) })).toBe(false);
    expect(isValidSparseVector({ indices: Uint32Array.of(1), values: Float32Array.of(NaN) })).toBe(false);
    expect(isValidSparseVector({ indices: Uint32Array.of(50), values: Float32Array.of(1) }, 10)).toBe(false);
    expect(isValidSparseVector(null)).toBe(false);
  });
});

describe('explanations', () => {
  it('contributions sum to the dot product and are sorted by product', () => {
    const rng = mulberry32(7);
    for (let trial = 0; trial < 50; trial++) {
      const q = vec(Array.from({ length: 10 }, () => [Math.floor(rng() * 40), rng()] as [number, number]));
      const d = vec(Array.from({ length: 30 }, () => [Math.floor(rng() * 40), rng() * 3] as [number, number]));
      const e = explainMatch(q, d, (id) => `t${id}`);
      expect(e.score).toBeCloseTo(dot(q, d), 5);
      expect(e.contributions.reduce((s, c) => s + c.product, 0)).toBeCloseTo(dot(q, d), 5);
      for (let k = 1; k < e.contributions.length; k++)
        expect(e.contributions[k - 1]!.product).toBeGreaterThanOrEqual(e.contributions[k]!.product);
      for (const c of e.contributions)
        expect(Math.abs(c.product - c.queryWeight * c.documentWeight)).toBeLessThanOrEqual(1e-6 * Math.abs(c.product));
      // Exactly the shared ids, each once.
      const shared = Array.from(q.indices).filter((id) => d.indices.includes(id));
      expect(e.contributions.map((c) => c.id).sort((x, y) => x - y)).toEqual(shared);
    }
  });

  it('decode lists the heaviest tokens first', () => {
    const v = vec([
      [3, 0.2],
      [8, 0.9],
      [1, 0.5],
    ]);
    expect(decodeVector(v, (id) => `t${id}`, 2)).toEqual([
      { id: 8, token: 't8', weight: Math.fround(0.9) },
      { id: 1, token: 't1', weight: 0.5 },
    ]);
  });
});
