import { describe, expect, it } from 'vitest';
import { buildSegment, findTerm, lookupTerm, mergeSegments, openTerm, readTerm } from '../src/index/format/segment.ts';
import { fromPairs } from '../src/vector.ts';
import { mulberry32 } from './support.ts';

describe('segments', () => {
  const rng = mulberry32(4);
  const docs = Array.from({ length: 400 }, (_, k) => ({
    num: 1000 + k,
    vector: fromPairs(
      Array.from({ length: 30 }, () => [Math.floor(rng() ** 2 * 3000), 0.1 + rng()] as [number, number]),
    ),
  }));

  it('inverts vectors: every posting is found under its term', () => {
    const seg = buildSegment(docs, 1000, 1400);
    let total = 0;
    for (const d of docs) total += d.vector.indices.length;
    expect(seg.postings).toBe(total);
    const probe = docs[123]!;
    for (let k = 0; k < probe.vector.indices.length; k++) {
      const at = findTerm(seg.dictionary, probe.vector.indices[k]!);
      expect(at).toBeGreaterThanOrEqual(0);
      const list = readTerm(seg.dictionary, at, seg.chunks[seg.dictionary.chunk[at]!]!, 1000);
      const p = Array.from(list.docs).indexOf(probe.num);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(Math.abs(list.weights[p]! - probe.vector.values[k]!)).toBeLessThanOrEqual(
        seg.dictionary.maxWeight[at]! / 510 + 1e-6,
      );
    }
    expect(findTerm(seg.dictionary, 999_999)).toBe(-1);
  });

  it('looks terms up through a dense table, or by search when ids are too sparse for one', () => {
    const dense = buildSegment(docs, 1000, 1400).dictionary;
    // Ids up to 2^31: a table would be gigabytes, so lookups fall back to the binary search.
    const sparseSegment = buildSegment(
      [
        {
          num: 0,
          vector: fromPairs([
            [5, 1],
            [70_000, 0.5],
            [2 ** 31, 0.25],
            [2 ** 32 - 1, 2],
          ]),
        },
        { num: 1, vector: fromPairs([[2 ** 31, 1]]) },
      ],
      0,
      2,
    );
    const sparse = sparseSegment.dictionary;
    expect(Array.from(sparse.terms)).toEqual([5, 70_000, 2 ** 31, 2 ** 32 - 1]);
    const list = readTerm(sparse, 2, sparseSegment.chunks[0]!, 0);
    expect(Array.from(list.docs)).toEqual([0, 1]);
    expect(list.weights[0]).toBeCloseTo(0.25, 2); // 8-bit quantized against the block max, 1
    expect(list.weights[1]).toBe(1);
    for (const dict of [dense, sparse]) {
      const largest = dict.terms[dict.terms.length - 1]!;
      for (const term of [0, 1, 5, 17, 2999, 3000, 70_000, largest, largest + 1, 2 ** 31 - 1, 2 ** 31 + 1]) {
        expect(lookupTerm(dict, term)).toBe(findTerm(dict, term));
      }
      dict.terms.forEach((term, at) => expect(lookupTerm(dict, term)).toBe(at));
    }
    expect(lookupTerm(sparse, 2 ** 32 - 1)).toBe(3);
  });

  it('merging adjacent segments drops deleted documents and keeps the rest', () => {
    const a = buildSegment(docs.slice(0, 200), 1000, 1200);
    const b = buildSegment(docs.slice(200), 1200, 1400);
    const merged = mergeSegments([a, b], (doc) => doc % 2 === 0);
    const whole = buildSegment(
      docs.filter((d) => d.num % 2 === 1),
      1000,
      1400,
    );
    expect(Array.from(merged.dictionary.terms)).toEqual(Array.from(whole.dictionary.terms));
    expect(merged.postings).toBe(whole.postings);
  });

  it('merging renumbers the live documents densely and copies the stored weights exactly (no second quantization)', () => {
    const a = buildSegment(docs.slice(0, 130), 1000, 1130);
    const b = buildSegment(docs.slice(130, 270), 1130, 1270);
    const c = buildSegment(docs.slice(270), 1270, 1400);
    const deleted = (doc: number) => doc >= 1200 && doc < 1270 && doc % 3 === 0; // only in part b
    const merged = mergeSegments([a, b, c], deleted);
    for (const [i, term] of Array.from(merged.dictionary.terms).entries()) {
      const got = readTerm(merged.dictionary, i, merged.chunks[merged.dictionary.chunk[i]!]!, 1000);
      const want = { docs: [] as number[], weights: [] as number[] };
      for (const part of [a, b, c]) {
        const at = findTerm(part.dictionary, term);
        if (at < 0) continue;
        const list = readTerm(part.dictionary, at, part.chunks[part.dictionary.chunk[at]!]!, part.base);
        list.docs.forEach((doc, k) => {
          if (deleted(doc)) return;
          want.docs.push(merged.renumber(doc));
          want.weights.push(list.weights[k]!);
        });
      }
      expect(Array.from(got.docs)).toEqual(want.docs);
      expect(Array.from(got.weights)).toEqual(want.weights.map(Math.fround));
      // Lazily: every stored document is found by a seek from the start.
      const lazy = openTerm(merged.dictionary, i, merged.chunks[merged.dictionary.chunk[i]!]!, 1000);
      for (const doc of want.docs) expect(lazy.docs[lazy.seek(0, doc)]).toBe(doc);
    }
    expect(merged.postings).toBe(Array.from(merged.dictionary.count).reduce((x, y) => x + y, 0));
    // Numbers close up: 400 documents less the deleted ones, in order, from the first base.
    const kept = docs.filter((d) => !deleted(d.num)).map((d) => d.num);
    expect(merged.end - merged.base).toBe(kept.length);
    expect(kept.map((n) => merged.renumber(n))).toEqual(kept.map((_, k) => 1000 + k));
    expect(merged.renumber(1203)).toBe(-1);
  });
});
