/**
 * Exact top-k by dot product over posting lists: a pruned scorer and the exhaustive reference.
 * Ties are broken by ascending document number in both.
 */

export interface TermList {
  term: number;
  queryWeight: number;
  docs: Uint32Array;
  weights: Float32Array;
  /** Largest weight in `weights`. */
  maxWeight: number;
}

export interface Scored {
  doc: number;
  score: number;
}

/** Min-heap of the k best so far; the root is the worst (lowest score, then highest doc). */
export class TopK {
  private readonly items: Scored[] = [];
  constructor(readonly k: number) {}

  get full(): boolean {
    return this.items.length >= this.k;
  }

  /** Score a newcomer must beat (or tie with a smaller doc number) once the heap is full. */
  get threshold(): number {
    return this.full ? this.items[0]!.score : -Infinity;
  }

  /** Would (doc, score) enter? */
  admits(doc: number, score: number): boolean {
    if (!this.full) return true;
    const worst = this.items[0]!;
    return score > worst.score || (score === worst.score && doc < worst.doc);
  }

  push(doc: number, score: number): void {
    if (this.k <= 0 || !this.admits(doc, score)) return;
    const h = this.items;
    if (h.length < this.k) {
      h.push({ doc, score });
      this.up(h.length - 1);
    } else {
      h[0] = { doc, score };
      this.down(0);
    }
  }

  /** Best first: score descending, doc ascending. */
  sorted(): Scored[] {
    return [...this.items].sort((a, b) => b.score - a.score || a.doc - b.doc);
  }

  private worse(a: Scored, b: Scored): boolean {
    return a.score < b.score || (a.score === b.score && a.doc > b.doc);
  }

  private up(i: number): void {
    const h = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.worse(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.worse(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** First index >= `from` whose doc is >= target (galloping, then binary search). */
export function seek(docs: Uint32Array, from: number, target: number): number {
  let lo = from;
  if (lo >= docs.length || docs[lo]! >= target) return lo;
  let step = 1;
  let hi = lo + step;
  while (hi < docs.length && docs[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  hi = Math.min(hi, docs.length);
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

export interface SearchCounters {
  /** Documents that reached the final scoring step. */
  candidates: number;
  /** Postings added in the accumulate phase. */
  accumulated?: number;
  /** Lists left to the probe phase. */
  probedLists?: number;
  /** Selections of the k-th partial score. */
  selections?: number;
  /** Candidates entering the probe phase. */
  probeCandidates?: number;
}

/** Lists in the order both scorers add them up: largest bound first, then by term id. */
function byBound(lists: readonly TermList[]): TermList[] {
  return lists
    .filter((l) => l.docs.length > 0 && l.queryWeight > 0)
    .sort((a, b) => b.queryWeight * b.maxWeight - a.queryWeight * a.maxWeight || a.term - b.term);
}

export interface DocRange {
  /** All documents of the lists lie in [base, end). */
  base: number;
  end: number;
}

/** Reused accumulators (one search runs at a time per thread). */
let scratch = { acc: new Float64Array(0), seen: new Uint8Array(0) };
function accumulators(size: number) {
  if (scratch.acc.length < size) scratch = { acc: new Float64Array(size), seen: new Uint8Array(size) };
  return scratch;
}

let selectScratch = new Float64Array(1024);

/** k-th largest accumulator among accepted touched documents (-Infinity when fewer than k). */
function kthLargest(acc: Float64Array, touched: Int32Array, n: number, base: number, k: number, accept?: (doc: number) => boolean): number {
  if (k <= 0) return Infinity;
  if (selectScratch.length < n) selectScratch = new Float64Array(n * 2);
  const values = selectScratch;
  let m = 0;
  if (accept) {
    for (let i = 0; i < n; i++) if (accept(touched[i]! + base)) values[m++] = acc[touched[i]!]!;
  } else {
    for (let i = 0; i < n; i++) values[m++] = acc[touched[i]!]!;
  }
  if (m < k) return -Infinity;
  // Quickselect (Hoare partition) for the (k-1)-th position in descending order.
  let lo = 0;
  let hi = m - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target]!;
}

/**
 * A lower bound of the final k-th score: the documents with the best partial scores are scored
 * exactly (probing the lists not yet added), and the k-th best of those exact scores is returned.
 * Exact scores beat partial ones by a wide margin, so far fewer candidates survive the bar.
 */
function estimateThreshold(L: readonly TermList[], acc: Float64Array, touched: Int32Array, count: number, base: number, from: number, k: number, accept?: (doc: number) => boolean): number {
  const m = Math.min(count, 4 * k);
  if (m < k) return -Infinity;
  const cut = kthLargest(acc, touched, count, base, m, accept);
  if (cut === -Infinity) return -Infinity;
  const best = new TopK(k);
  const exact = (d: number) => {
    let score = acc[d]!;
    for (let j = from; j < L.length; j++) {
      const l = L[j]!;
      const p = seek(l.docs, 0, d + base);
      if (p < l.docs.length && l.docs[p] === d + base) score += l.queryWeight * l.weights[p]!;
    }
    best.push(d + base, score);
  };
  // Documents above the cut, then (partial scores repeat a lot) ties at the cut up to m in all.
  let scored = 0;
  for (let i = 0; i < count; i++) {
    const d = touched[i]!;
    if (acc[d]! > cut && (!accept || accept(d + base))) {
      exact(d);
      scored++;
    }
  }
  for (let i = 0; i < count && scored < m; i++) {
    const d = touched[i]!;
    if (acc[d]! === cut && (!accept || accept(d + base))) {
      exact(d);
      scored++;
    }
  }
  return best.threshold;
}

/**
 * Exact top-k with threshold pruning, term-at-a-time (the MaxScore idea in accumulator form, which
 * suits JavaScript's typed arrays better than document-at-a-time cursors):
 *  1. Add lists into dense accumulators, largest bound first, while the bounds of the lists not yet
 *     added could still lift an unseen document to the k-th best score.
 *  2. Once they cannot (their summed bounds R fall strictly below θ, the k-th best partial score,
 *     itself a lower bound of the final k-th score), only documents already seen can make it, and
 *     only those with partial + R >= θ: the remaining lists are probed for those few candidates.
 * Comparisons are strict, so documents tying with the k-th score survive; sums are formed in the
 * same order as `exhaustive`, so both return the same documents with the same scores.
 */
export function prunedTopK(lists: readonly TermList[], heap: TopK, range: DocRange, accept?: (doc: number) => boolean, minScore = -Infinity, counters?: SearchCounters): void {
  const L = byBound(lists);
  const n = L.length;
  if (n === 0 || heap.k <= 0) return;
  const base = range.base;
  const size = range.end - base;
  const { acc, seen } = accumulators(size);
  let touched = new Int32Array(1024);
  let count = 0;
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + L[i]!.queryWeight * L[i]!.maxWeight;
  const outer = Math.max(heap.threshold, minScore);
  let bar = outer;
  let maxPartial = 0;
  let stop = 0;
  try {
    // Selecting the k-th partial score costs a pass over the seen documents: do it only when the
    // remaining bound has shrunk enough since the last try to make stopping plausible.
    // Once unseen documents are out of reach, a short list is still cheaper to add in full than to
    // probe for many candidates: keep accumulating until the next list is long.
    let lastTry = Infinity;
    for (; stop < n; stop++) {
      const rest = suffix[stop]!;
      if (rest < bar && L[stop]!.docs.length > count / 4) break;
      if (stop > 0 && rest < maxPartial && rest < 0.5 * lastTry) {
        lastTry = rest;
        if (counters) counters.selections = (counters.selections ?? 0) + 1;
        bar = Math.max(bar, estimateThreshold(L, acc, touched, count, base, stop, heap.k, accept));
        if (rest < bar && L[stop]!.docs.length > count / 4) break;
      }
      const l = L[stop]!;
      if (counters) counters.accumulated = (counters.accumulated ?? 0) + l.docs.length;
      const q = l.queryWeight;
      const docs = l.docs;
      const weights = l.weights;
      for (let p = 0; p < docs.length; p++) {
        const d = docs[p]! - base;
        if (!seen[d]) {
          seen[d] = 1;
          if (count === touched.length) {
            const grown = new Int32Array(touched.length * 2);
            grown.set(touched);
            touched = grown;
          }
          touched[count++] = d;
        }
        const v = (acc[d]! += q * weights[p]!);
        if (v > maxPartial) maxPartial = v;
      }
    }
    // Candidates: seen documents that the remaining lists could still lift to the bar.
    const rest = suffix[stop]!;
    if (stop < n && lastTry !== rest) bar = Math.max(bar, estimateThreshold(L, acc, touched, count, base, stop, heap.k, accept));
    let candidates: Int32Array;
    if (stop < n) {
      // Survivors are few: filter the seen documents, then sort those for the probe walk.
      let kept = 0;
      const pool = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const d = touched[i]!;
        if (acc[d]! + rest >= bar) pool[kept++] = d;
      }
      candidates = pool.subarray(0, kept).sort();
      if (counters) {
        counters.probedLists = n - stop;
        counters.probeCandidates = candidates.length;
      }
      for (let j = stop; j < n && candidates.length > 0; j++) {
        const l = L[j]!;
        const q = l.queryWeight;
        let p = 0;
        let kept = 0;
        const after = suffix[j + 1]!;
        const docs = l.docs;
        const len = docs.length;
        // Few candidates against a long list: gallop; otherwise a plain merge walk is cheaper.
        const gallop = len > 4 * candidates.length;
        for (let c = 0; c < candidates.length; c++) {
          const d = candidates[c]!;
          const target = d + base;
          if (gallop) p = seek(docs, p, target);
          else while (p < len && docs[p]! < target) p++;
          if (p < len && docs[p] === target) acc[d]! += q * l.weights[p]!;
          if (acc[d]! + after >= bar) candidates[kept++] = d; // still able to reach the bar
        }
        candidates = candidates.subarray(0, kept);
      }
    } else {
      candidates = touched.subarray(0, count);
    }
    if (counters) counters.candidates += candidates.length;
    for (let c = 0; c < candidates.length; c++) {
      const d = candidates[c]!;
      const score = acc[d]!;
      if (score > minScore && heap.admits(d + base, score) && (!accept || accept(d + base))) heap.push(d + base, score);
    }
  } finally {
    for (let i = 0; i < count; i++) {
      acc[touched[i]!] = 0;
      seen[touched[i]!] = 0;
    }
  }
}

/** The reference: score every posting, then select. Same summation order and tie order as prunedTopK. */
export function exhaustive(lists: readonly TermList[], heap: TopK, range: DocRange, accept?: (doc: number) => boolean, minScore = -Infinity): void {
  const L = byBound(lists);
  const base = range.base;
  const { acc, seen } = accumulators(range.end - base);
  const touched: number[] = [];
  for (const l of L) {
    const q = l.queryWeight;
    for (let p = 0; p < l.docs.length; p++) {
      const d = l.docs[p]! - base;
      if (!seen[d]) {
        seen[d] = 1;
        touched.push(d);
      }
      acc[d]! += q * l.weights[p]!;
    }
  }
  for (const d of touched) {
    const score = acc[d]!;
    if (score > minScore && heap.admits(d + base, score) && (!accept || accept(d + base))) heap.push(d + base, score);
    acc[d] = 0;
    seen[d] = 0;
  }
}
