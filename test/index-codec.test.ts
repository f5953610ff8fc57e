import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, ByteWriter, crc32, decodePostings, encodePostings, WEIGHT_ERROR_BOUND } from '../src/index/codec.ts';
import { exhaustive, prunedTopK, seek, TopK, type TermList } from '../src/search/topk.ts';
import { mulberry32 } from './support.ts';

describe('posting block codec', () => {
  it('round-trips documents exactly and weights within the documented bound', () => {
    const rng = mulberry32(1);
    for (const n of [1, 2, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 1000]) {
      const docs = new Uint32Array(n);
      let d = 17 + Math.floor(rng() * 10);
      for (let k = 0; k < n; k++) {
        docs[k] = d;
        d += 1 + Math.floor(rng() ** 4 * 5000);
      }
      const weights = Float32Array.from({ length: n }, () => rng() * 3);
      const w = new ByteWriter();
      w.u8(99); // something before, to check offsets
      encodePostings({ docs, weights }, 10, w);
      const bytes = w.finish();
      const back = decodePostings(bytes, 1, n, 10);
      expect(Array.from(back.docs)).toEqual(Array.from(docs));
      for (let k = 0; k < n; k++) {
        const block = Math.floor(k / BLOCK_SIZE);
        expect(Math.abs(back.weights[k]! - weights[k]!)).toBeLessThanOrEqual(back.blockMax[block]! * WEIGHT_ERROR_BOUND + 1e-6);
      }
    }
  });

  it('stays under 3 bytes per posting for SPLADE-like lists', () => {
    const rng = mulberry32(2);
    let postings = 0;
    const w = new ByteWriter();
    for (let term = 0; term < 300; term++) {
      const density = 0.5 / (term + 1) ** 0.8; // Zipfian term use
      const docs: number[] = [];
      for (let d = 0; d < 20000; d++) if (rng() < density) docs.push(d);
      if (!docs.length) continue;
      encodePostings({ docs: Uint32Array.from(docs), weights: Float32Array.from(docs, () => rng()) }, 0, w);
      postings += docs.length;
    }
    expect(w.length / postings).toBeLessThan(3);
  });

  it('crc32 matches the standard check value and detects a flipped bit', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const b = new Uint8Array(100).map((_, k) => k);
    const c = crc32(b);
    b[50]! ^= 4;
    expect(crc32(b)).not.toBe(c);
  });
});

function randomLists(rng: () => number, docsN: number, terms: number): TermList[] {
  const lists: TermList[] = [];
  for (let t = 0; t < terms; t++) {
    const density = Math.min(0.9, 0.6 / (t + 1) ** 0.7);
    const docs: number[] = [];
    for (let d = 0; d < docsN; d++) if (rng() < density) docs.push(d);
    // Quantized-like weights with many exact ties, to exercise the tie order.
    const weights = Float32Array.from(docs, () => Math.round(rng() * 8) / 4);
    lists.push({ term: t, queryWeight: Math.round(rng() * 6 + 1) / 2, docs: Uint32Array.from(docs), weights, maxWeight: Math.max(0, ...weights) });
  }
  return lists;
}

describe('pruned top-k', () => {
  it('equals exhaustive scoring on random corpora (many seeds, few and many terms, filters)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = mulberry32(seed);
      const lists = randomLists(rng, 300 + Math.floor(rng() * 700), seed % 2 ? 3 : 30);
      const k = 1 + Math.floor(rng() * 20);
      const accept = seed % 3 === 0 ? (d: number) => d % 7 !== 0 : undefined;
      // Split into two "segments" by document range, as the index does.
      const cut = 200;
      const part = (lo: number, hi: number) => lists.map((l) => {
        const from = seek(l.docs, 0, lo);
        const to = seek(l.docs, 0, hi);
        const weights = l.weights.slice(from, to);
        return { ...l, docs: l.docs.slice(from, to), weights, maxWeight: Math.max(0, ...weights) };
      });
      const taat = new TopK(k);
      prunedTopK(part(0, cut), taat, { base: 0, end: cut }, accept);
      prunedTopK(part(cut, 1e9), taat, { base: cut, end: 1000 }, accept);
      const reference = new TopK(k);
      exhaustive(lists, reference, { base: 0, end: 1000 }, accept);
      const b = reference.sorted();
      for (const got of [taat.sorted()]) {
        expect(got.map((h) => h.doc), `seed ${seed}`).toEqual(b.map((h) => h.doc));
        got.forEach((h, i) => expect(h.score).toBeCloseTo(b[i]!.score, 9));
      }
    }
  });

  it('respects a minimum score', () => {
    const lists = randomLists(mulberry32(9), 200, 5);
    const ref = new TopK(1000);
    exhaustive(lists, ref, { base: 0, end: 200 }, undefined, 2);
    const taat = new TopK(1000);
    prunedTopK(lists, taat, { base: 0, end: 200 }, undefined, 2);
    expect(taat.sorted().every((h) => h.score > 2)).toBe(true);
    expect(taat.sorted()).toEqual(ref.sorted());
  });

  it('seek finds the first document at or after a target', () => {
    const docs = Uint32Array.from([1, 3, 5, 7, 9, 11, 13]);
    expect(seek(docs, 0, 0)).toBe(0);
    expect(seek(docs, 0, 6)).toBe(3);
    expect(seek(docs, 2, 13)).toBe(6);
    expect(seek(docs, 0, 14)).toBe(7);
  });
});
