/**
 * Exact top-k by dot product over posting lists, with MaxScore dynamic pruning.
 *
 * Lists are ordered by their upper bound (query weight x max posting weight). Once the k-th best
 * score θ exceeds the summed bounds of the smallest lists, those lists are "non-essential": a
 * document found only in them cannot enter the top k, so candidates come from the essential lists
 * alone, and non-essential lists are only probed (by galloping search) while a candidate can still
 * reach θ. Pruning uses strict comparisons, so documents tying with the k-th score are never lost:
 * the result equals exhaustive scoring, ties broken by ascending document number.
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
  /** Documents fully or partially scored. */
  candidates: number;
}

/**
 * Adds the documents of `lists` to `heap` (lists of one segment; the heap may already hold hits of
 * other segments, whose threshold then prunes this one). `accept` filters documents (deletions,
 * field filters); `minScore` drops hits at or below it.
 */
export function maxScore(lists: readonly TermList[], heap: TopK, accept?: (doc: number) => boolean, minScore = -Infinity, counters?: SearchCounters): void {
  const L = [...lists].filter((l) => l.docs.length > 0 && l.queryWeight > 0).sort((a, b) => a.queryWeight * a.maxWeight - b.queryWeight * b.maxWeight);
  const n = L.length;
  if (n === 0) return;
  const ub = L.map((l) => l.queryWeight * l.maxWeight);
  const prefix = new Float64Array(n);
  ub.forEach((u, i) => (prefix[i] = (i > 0 ? prefix[i - 1]! : 0) + u));
  const pos = new Int32Array(n);
  const bar = () => Math.max(heap.threshold, minScore);
  // Lists [0, essential) are non-essential: their bounds together stay strictly below the bar.
  const essentialFrom = () => {
    const t = bar();
    let e = 0;
    while (e < n && prefix[e]! < t) e++;
    return e;
  };
  let essential = essentialFrom();
  while (essential < n) {
    let candidate = 0xffffffff;
    for (let i = essential; i < n; i++) {
      const p = pos[i]!;
      if (p < L[i]!.docs.length && L[i]!.docs[p]! < candidate) candidate = L[i]!.docs[p]!;
    }
    if (candidate === 0xffffffff) break;
    let score = 0;
    for (let i = essential; i < n; i++) {
      const l = L[i]!;
      const p = pos[i]!;
      if (p < l.docs.length && l.docs[p] === candidate) {
        score += l.queryWeight * l.weights[p]!;
        pos[i] = p + 1;
      }
    }
    const t = bar();
    let alive = true;
    for (let i = essential - 1; i >= 0; i--) {
      if (score + prefix[i]! < t) {
        alive = false;
        break;
      }
      const l = L[i]!;
      const p = seek(l.docs, pos[i]!, candidate);
      pos[i] = p;
      if (p < l.docs.length && l.docs[p] === candidate) score += l.queryWeight * l.weights[p]!;
    }
    if (counters) counters.candidates++;
    if (!alive || score <= minScore || !heap.admits(candidate, score)) continue;
    if (accept && !accept(candidate)) continue;
    heap.push(candidate, score);
    essential = essentialFrom();
  }
}

/** The reference: score every posting into accumulators, then select. Same tie order as maxScore. */
export function exhaustive(lists: readonly TermList[], heap: TopK, accept?: (doc: number) => boolean, minScore = -Infinity): void {
  let maxDoc = -1;
  for (const l of lists) if (l.docs.length) maxDoc = Math.max(maxDoc, l.docs[l.docs.length - 1]!);
  if (maxDoc < 0) return;
  const acc = new Float64Array(maxDoc + 1);
  const seen = new Uint8Array(maxDoc + 1);
  const touched: number[] = [];
  for (const l of lists) {
    const q = l.queryWeight;
    for (let p = 0; p < l.docs.length; p++) {
      const d = l.docs[p]!;
      if (!seen[d]) {
        seen[d] = 1;
        touched.push(d);
      }
      acc[d]! += q * l.weights[p]!;
    }
  }
  for (const d of touched) if (acc[d]! > minScore && heap.admits(d, acc[d]!) && (!accept || accept(d))) heap.push(d, acc[d]!);
}
