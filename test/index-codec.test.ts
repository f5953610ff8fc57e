import { describe, expect, it } from 'vitest';
import {
  BLOCK_SIZE,
  ByteWriter,
  decodePostings,
  encodePostings,
  LazyPostings,
  WEIGHT_ERROR_BOUND,
} from '../src/index/format/codec.ts';
import { crc32 } from '../src/index/format/checksum.ts';
import { buildSegment, findTerm, openTerm } from '../src/index/format/segment.ts';
import { prunedTopK, type SearchCounters } from '../src/index/query/maxscore.ts';
import { exhaustive } from '../src/index/query/exhaustive.ts';
import { TopK } from '../src/index/query/heap.ts';
import { weightOf, type TermList } from '../src/index/query/lists.ts';
import { seek } from '../src/index/format/seek.ts';
import { fromPairs } from '../src/vector.ts';
import { bruteForceTopK, mulberry32, topKMismatches } from './support.ts';

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
        expect(Math.abs(back.weights[k]! - weights[k]!)).toBeLessThanOrEqual(
          back.blockMax[block]! * WEIGHT_ERROR_BOUND + 1e-6,
        );
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

  it('decodes lazily: a seek decodes only the block it lands in and agrees with the full decode', () => {
    const rng = mulberry32(3);
    const n = 20 * BLOCK_SIZE + 17;
    const docs = new Uint32Array(n);
    let d = 5;
    for (let k = 0; k < n; k++) docs[k] = d += 1 + Math.floor(rng() * 9);
    const w = new ByteWriter();
    encodePostings({ docs, weights: Float32Array.from(docs, () => rng()) }, 0, w);
    const bytes = w.finish();
    const full = decodePostings(bytes, 0, n, 0);
    const lazy = new LazyPostings(bytes, 0, n, 0);
    expect(lazy.blocks).toBe(21);
    expect(lazy.decodedBlocks).toBe(0);
    // One seek for a document in block 7 decodes block 7 only.
    const target = docs[7 * BLOCK_SIZE + 40]!;
    expect(lazy.seek(0, target)).toBe(7 * BLOCK_SIZE + 40);
    expect(lazy.decodedBlocks).toBe(1);
    // Forward seeks from random positions (hits and misses) agree with seeking the full decode.
    let from = 0;
    for (let i = 0; i < 300; i++) {
      const t = Math.floor(rng() * (d + 20));
      const f = Math.min(from, seek(full.docs, 0, t));
      const p = lazy.seek(f, t);
      expect(p).toBe(seek(full.docs, f, t));
      if (p < n) expect(lazy.docs[p]).toBe(full.docs[p]);
      from = rng() < 0.5 ? 0 : p;
    }
    lazy.loadAll();
    expect(lazy.decodedBlocks).toBe(21);
    expect(Array.from(lazy.docs)).toEqual(Array.from(full.docs));
    expect(Array.from(lazy.weights)).toEqual(Array.from(full.weights));
    // Releasing drops the decoded blocks (and their memory); they decode again on demand.
    const held = lazy.residentBytes;
    lazy.release();
    expect(lazy.decodedBlocks).toBe(0);
    expect(lazy.residentBytes).toBeLessThan(held - n * 7);
    expect(lazy.seek(0, target)).toBe(7 * BLOCK_SIZE + 40);
    expect(lazy.docs[7 * BLOCK_SIZE + 40]).toBe(target);
    expect(lazy.decodedBlocks).toBe(1);
  });

  it('gives a weight column by document once wholly decoded, counted in its memory and dropped on release', () => {
    const rng = mulberry32(5);
    const n = 3 * BLOCK_SIZE + 9;
    const base = 1000;
    const docs = new Uint32Array(n);
    let d = base + 2;
    for (let k = 0; k < n; k++) docs[k] = d += 1 + Math.floor(rng() * 3);
    const size = d - base + 50;
    const w = new ByteWriter();
    encodePostings({ docs, weights: Float32Array.from(docs, () => 0.01 + rng()) }, base, w);
    const bytes = w.finish();
    const full = decodePostings(bytes, 0, n, base);
    const lazy = new LazyPostings(bytes, 0, n, base);
    // Not before every block is decoded (a column is not worth decoding a list for).
    expect(lazy.column(size)).toBeUndefined();
    lazy.seek(0, docs[BLOCK_SIZE + 3]!);
    expect(lazy.column(size)).toBeUndefined();
    const before = lazy.residentBytes;
    lazy.loadAll();
    const decoded = lazy.residentBytes;
    const column = lazy.column(size)!;
    expect(column.length).toBe(size);
    // Every document of the range: the decoded weight where the list has one, else 0.
    const expected = new Float32Array(size);
    full.docs.forEach((doc, k) => (expected[doc - base] = full.weights[k]!));
    expect(Array.from(column)).toEqual(Array.from(expected));
    expect(lazy.column(size)).toBe(column); // built once
    expect(lazy.residentBytes).toBeGreaterThanOrEqual(decoded + size * 4);
    lazy.release();
    expect(lazy.residentBytes).toBeLessThan(before); // back to the encoded bytes alone
    expect(lazy.column(size)).toBeUndefined();
    lazy.loadAll();
    expect(Array.from(lazy.column(size)!)).toEqual(Array.from(expected));
  });

  it('crc32 matches the standard check value and detects a flipped bit', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const b = new Uint8Array(100).map((_, k) => k);
    const c = crc32(b);
    b[50]! ^= 4;
    expect(crc32(b)).not.toBe(c);
    // The sliced loop equals the bit-by-bit definition at every length and alignment.
    const bitwise = (bytes: Uint8Array) => {
      let x = 0xffffffff;
      for (const byte of bytes) {
        x ^= byte;
        for (let k = 0; k < 8; k++) x = x & 1 ? 0xedb88320 ^ (x >>> 1) : x >>> 1;
      }
      return (x ^ 0xffffffff) >>> 0;
    };
    const rng = mulberry32(3);
    const data = Uint8Array.from({ length: 300 }, () => Math.floor(rng() * 256));
    for (let start = 0; start < 4; start++)
      for (let length = 0; length < 40; length++)
        expect(crc32(data.subarray(start, start + length))).toBe(bitwise(data.subarray(start, start + length)));
    expect(crc32(data)).toBe(bitwise(data));
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
    lists.push({
      term: t,
      queryWeight: Math.round(rng() * 6 + 1) / 2,
      docs: Uint32Array.from(docs),
      weights,
      maxWeight: Math.max(0, ...weights),
    });
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
      const part = (lo: number, hi: number) =>
        lists.map((l) => {
          const from = seek(l.docs, 0, lo);
          const to = seek(l.docs, 0, hi);
          const weights = l.weights.slice(from, to);
          return { ...l, docs: l.docs.slice(from, to), weights, maxWeight: Math.max(0, ...weights) };
        });
      const taat = new TopK(k);
      prunedTopK(part(0, cut), taat, { base: 0, end: cut }, { accept });
      prunedTopK(part(cut, 1e9), taat, { base: cut, end: 1000 }, { accept });
      const reference = new TopK(k);
      exhaustive(lists, reference, { base: 0, end: 1000 }, { accept });
      // Identical to the exhaustive scorer (same sums in the same order, same ties)...
      expect(taat.sorted(), `seed ${seed}`).toEqual(reference.sorted());
      // ...and to a brute-force scorer that shares no code with either, ties aside.
      const all = new Map(bruteForceTopK(lists, 1e9).map((h) => [h.doc, h.score]));
      expect(
        topKMismatches(taat.sorted(), bruteForceTopK(lists, k, accept), (d) => all.get(d) ?? 0),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });

  it('respects a minimum score', () => {
    const lists = randomLists(mulberry32(9), 200, 5);
    const ref = new TopK(1000);
    exhaustive(lists, ref, { base: 0, end: 200 }, { minScore: 2 });
    const taat = new TopK(1000);
    prunedTopK(lists, taat, { base: 0, end: 200 }, { minScore: 2 });
    expect(taat.sorted().every((h) => h.score > 2)).toBe(true);
    expect(taat.sorted()).toEqual(ref.sorted());
    const all = new Map(bruteForceTopK(lists, 1e9).map((h) => [h.doc, h.score]));
    expect(topKMismatches(taat.sorted(), bruteForceTopK(lists, 1000, undefined, 2), (d) => all.get(d) ?? 0)).toEqual(
      [],
    );
  });

  it('seek finds the first document at or after a target', () => {
    const docs = Uint32Array.from([1, 3, 5, 7, 9, 11, 13]);
    expect(seek(docs, 0, 0)).toBe(0);
    expect(seek(docs, 0, 6)).toBe(3);
    expect(seek(docs, 2, 13)).toBe(6);
    expect(seek(docs, 0, 14)).toBe(7);
  });
});

describe('pruned top-k over stored, lazily decoded segments', () => {
  // SPLADE-like: Zipfian term use, IDF-like weights (frequent terms light, rare ones heavy).
  const rng = mulberry32(77);
  const vocab = 3000;
  const termOf = () => Math.floor(vocab * rng() ** 3);
  const weightFor = (t: number) => (0.1 + 2 * (t / vocab) ** 0.5) * (0.4 + 1.2 * rng());
  const vector = (n: number) => {
    const pairs = new Map<number, number>();
    while (pairs.size < n) {
      const t = termOf();
      pairs.set(t, weightFor(t));
    }
    return fromPairs([...pairs]);
  };
  const docs = Array.from({ length: 6000 }, (_, num) => ({ num, vector: vector(60) }));
  const segments = [buildSegment(docs.slice(0, 2500), 0, 2500), buildSegment(docs.slice(2500), 2500, 6000)];
  // Wholly decoded lists kept across queries, as a warm index cache holds them (they get columns).
  const decoded = new Map<string, ReturnType<typeof openTerm>>();
  const listsFor = (query: ReturnType<typeof vector>, warm = false) =>
    segments.map((seg, s) => {
      const lists: TermList[] = [];
      for (let k = 0; k < query.indices.length; k++) {
        const at = findTerm(seg.dictionary, query.indices[k]!);
        if (at < 0) continue;
        let list = decoded.get(`${s}/${at}`);
        if (!list || !warm) list = openTerm(seg.dictionary, at, seg.chunks[seg.dictionary.chunk[at]!]!, seg.base);
        if (warm) {
          list.loadAll();
          decoded.set(`${s}/${at}`, list);
        }
        lists.push({
          term: query.indices[k]!,
          queryWeight: query.values[k]!,
          docs: list.docs,
          weights: list.weights,
          maxWeight: seg.dictionary.maxWeight[at]!,
          lazy: list,
        });
      }
      return lists;
    });

  it('equals exhaustive scoring for short and long queries, probing rather than decoding long lists', () => {
    const counters: SearchCounters = { candidates: 0 };
    for (const terms of [3, 5, 20, 40]) {
      for (let q = 0; q < 15; q++) {
        const query = vector(terms);
        const k = [1, 10, 25][q % 3]!;
        const accept = q % 4 === 3 ? (d: number) => d % 3 !== 0 : undefined;
        const pruned = new TopK(k);
        listsFor(query).forEach((lists, s) => prunedTopK(lists, pruned, segments[s]!, { accept, counters }));
        const reference = new TopK(k);
        listsFor(query).forEach((lists, s) => exhaustive(lists, reference, segments[s]!, { accept }));
        expect(pruned.sorted(), `${terms} terms, query ${q}`).toEqual(reference.sorted());
        // Against brute force over the stored (dequantized) weights, sharing no scoring code.
        const stored = listsFor(query)
          .flat()
          .map(
            (l) => (
              l.lazy?.loadAll(),
              { queryWeight: l.queryWeight, docs: Array.from(l.docs), weights: Array.from(l.weights) }
            ),
          );
        const all = new Map(bruteForceTopK(stored, 1e9).map((h) => [h.doc, h.score]));
        expect(
          topKMismatches(pruned.sorted(), bruteForceTopK(stored, k, accept), (d) => all.get(d) ?? 0),
          `${terms} terms, query ${q}`,
        ).toEqual([]);
        // The scores are the dot products of the stored (dequantized) weights.
        const top = reference.sorted()[0];
        if (top) {
          const seg = top.doc < 2500 ? 0 : 1;
          const score = listsFor(query)[seg]!.reduce((sum, l) => sum + l.queryWeight * weightOf(l, top.doc), 0);
          expect(top.score).toBeCloseTo(score, 9);
        }
      }
    }
    // The probe path ran: some lists were probed for candidates instead of being added in full.
    expect(counters.probedLists).toBeGreaterThan(0);
  });

  it('equals exhaustive scoring when long lists are probed through their weight columns', () => {
    const counters: SearchCounters = { candidates: 0 };
    for (const terms of [5, 20, 40]) {
      for (let q = 0; q < 15; q++) {
        const query = vector(terms);
        const k = [1, 10, 25][q % 3]!;
        const accept = q % 4 === 3 ? (d: number) => d % 3 !== 0 : undefined;
        const pruned = new TopK(k);
        listsFor(query, true).forEach((lists, s) => prunedTopK(lists, pruned, segments[s]!, { accept, counters }));
        const reference = new TopK(k);
        listsFor(query).forEach((lists, s) => exhaustive(lists, reference, segments[s]!, { accept }));
        expect(pruned.sorted(), `${terms} terms, query ${q}`).toEqual(reference.sorted());
      }
    }
    expect(counters.probedLists).toBeGreaterThan(0);
    const size = segments[0]!.end - segments[0]!.base;
    expect([...decoded.values()].some((l) => l.count >= size / 8 && l.column(size) !== undefined)).toBe(true);
  });
});
