/**
 * Exact top-k by dot product over posting lists: a pruned scorer and the exhaustive reference.
 * Ties are broken by ascending document number in both.
 */

export interface TermList {
  term: number;
  queryWeight: number;
  /** Documents, strictly ascending, and their weights. Lazily decoded lists fill them on demand. */
  docs: Uint32Array;
  weights: Float32Array;
  /** Largest weight in `weights`. */
  maxWeight: number;
  /** Set for lazily decoded lists: decode everything, or seek decoding only the block it lands in. */
  lazy?: LazyList;
}

export interface LazyList {
  loadAll(): void;
  /** Position of the first posting at or after `from` with a document >= target; its block is decoded. */
  seek(from: number, target: number): number;
  /**
   * The weights indexed by document - range base (0 where absent), for `size` documents, kept by
   * the list; undefined while the list is not wholly decoded (seeks are cheaper than decoding it).
   */
  column?(size: number): Float32Array | undefined;
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

/** First index in [from, end) whose doc is >= target, or `end` (galloping, then binary search). */
export function seek(docs: Uint32Array, from: number, target: number, end = docs.length): number {
  let lo = from;
  if (lo >= end || docs[lo]! >= target) return lo;
  let step = 1;
  let hi = lo + step;
  while (hi < end && docs[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  hi = Math.min(hi, end);
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Position of the first posting at or after `from` with a document >= target, readable. */
export function seekIn(list: TermList, from: number, target: number): number {
  return list.lazy ? list.lazy.seek(from, target) : seek(list.docs, from, target);
}

/** The weight `list` gives `doc`, or 0. */
export function weightOf(list: TermList, doc: number): number {
  const p = seekIn(list, 0, doc);
  return p < list.docs.length && list.docs[p] === doc ? list.weights[p]! : 0;
}

export interface SearchCounters {
  /** Documents that reached the final scoring step. */
  candidates: number;
  /** Postings added in the accumulate phase. */
  accumulated?: number;
  /** Lists probed for candidates rather than added in full. */
  probedLists?: number;
  /** Exact-score threshold estimates. */
  estimates?: number;
  /** Candidates when unseen documents fell out of reach. */
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

/**
 * Dense accumulators, one per document of a segment, reused across searches (one search runs at a
 * time per thread) and left zeroed. Dense beats tracking touched documents: the adds stay a tight
 * loop, and the passes over a segment's accumulators are sequential.
 */
let dense = new Float64Array(0);
function accumulators(size: number): Float64Array {
  if (dense.length < size) dense = new Float64Array(size);
  return dense;
}

function accumulate(acc: Float64Array, list: TermList, base: number): void {
  list.lazy?.loadAll();
  const q = list.queryWeight;
  const docs = list.docs;
  const weights = list.weights;
  for (let p = 0; p < docs.length; p++) acc[docs[p]! - base]! += q * weights[p]!;
}

let marks = new Uint8Array(0);

/**
 * The distinct documents (relative to `base`) of lists 0..lists-1 whose accumulator is at least
 * `need`, in list order, into `into`, at most `limit` of them; returns how many.
 */
function docsOfFirstLists(L: readonly TermList[], lists: number, acc: Float64Array, size: number, base: number, need: number, into: Int32Array, limit: number): number {
  if (marks.length < size) marks = new Uint8Array(size);
  let n = 0;
  for (let j = 0; j < lists && n < limit; j++) {
    const docs = L[j]!.docs;
    for (let p = 0; p < docs.length && n < limit; p++) {
      const d = docs[p]! - base;
      if (!marks[d] && acc[d]! >= need) {
        marks[d] = 1;
        into[n++] = d;
      }
    }
  }
  for (let i = 0; i < n; i++) marks[into[i]!] = 0;
  return n;
}

let pickDocs = new Int32Array(0);
let pickValues = new Float64Array(0);

/**
 * Documents likely to have the best partial scores, into pickDocs/pickValues; returns how many.
 * The best partial scores sit on the documents of the lists added first (the largest bounds), so
 * those lists are read up to a budget of postings: much cheaper than ranking every accumulator.
 */
function likelyBest(L: readonly TermList[], stop: number, acc: Float64Array, size: number, base: number, budget: number): number {
  if (pickDocs.length < budget) {
    pickDocs = new Int32Array(budget);
    pickValues = new Float64Array(budget);
  }
  const n = docsOfFirstLists(L, stop, acc, size, base, -Infinity, pickDocs, budget);
  for (let i = 0; i < n; i++) pickValues[i] = acc[pickDocs[i]!]!;
  return n;
}

/** The documents of the m largest of the first n values (a quickselect), ascending. */
function largest(values: Float64Array, docs: Int32Array, n: number, m: number): Int32Array {
  if (n > m) {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const pivot = values[(lo + hi) >>> 1]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (values[i]! > pivot) i++;
        while (values[j]! < pivot) j--;
        if (i <= j) {
          const v = values[i]!;
          values[i] = values[j]!;
          values[j] = v;
          const d = docs[i]!;
          docs[i] = docs[j]!;
          docs[j] = d;
          i++;
          j--;
        }
      }
      if (m - 1 <= j) hi = j;
      else if (m - 1 >= i) lo = i;
      else break;
    }
  }
  return docs.slice(0, Math.min(n, m)).sort();
}

/**
 * A list at least this dense (postings per document of the range) is probed through its weight
 * column when it has one: a probe is then one load rather than a seek, a chain of dependent loads.
 */
const COLUMN_DENSITY = 1 / 8;

function columnOf(l: TermList, size: number): Float32Array | undefined {
  return l.docs.length >= size * COLUMN_DENSITY ? l.lazy?.column?.(size) : undefined;
}

/**
 * Adds `list`'s weights for documents docs[0..count) (ascending, relative to `base`) to their
 * scores: through the list's weight column, or by one forward seek per document.
 */
function probe(list: TermList, docs: Int32Array, scores: Float64Array, count: number, base: number, size: number): void {
  const q = list.queryWeight;
  const column = columnOf(list, size);
  if (column) {
    for (let c = 0; c < count; c++) {
      const w = column[docs[c]!]!;
      if (w !== 0) scores[c] += q * w; // absent postings add nothing, as in `exhaustive`
    }
    return;
  }
  const len = list.docs.length;
  let p = 0;
  for (let c = 0; c < count && p < len; c++) {
    const target = docs[c]! + base;
    p = seekIn(list, p, target);
    if (p < len && list.docs[p] === target) scores[c] += q * list.weights[p]!;
  }
}

/**
 * A lower bound of the final k-th score: `docs` (ascending, chosen for their good partial scores)
 * are scored exactly by probing the lists not yet added, and the k-th best exact score is returned.
 * Exact scores beat partial ones by a wide margin, so far fewer candidates survive the bar.
 */
function exactThreshold(L: readonly TermList[], from: number, acc: Float64Array, docs: Int32Array, base: number, size: number, k: number, accept?: (doc: number) => boolean): number {
  if (accept) docs = docs.filter((d) => accept(d + base));
  if (docs.length < k) return -Infinity;
  const scores = Float64Array.from(docs, (d) => acc[d]!);
  for (let j = from; j < L.length; j++) probe(L[j]!, docs, scores, docs.length, base, size);
  const best = new TopK(k);
  for (let i = 0; i < docs.length; i++) best.push(docs[i]! + base, scores[i]!);
  return best.threshold;
}

/**
 * Exact top-k with threshold pruning, term-at-a-time (the MaxScore idea in accumulator form, which
 * suits JavaScript's typed arrays better than document-at-a-time cursors):
 *  1. Add lists into dense accumulators, largest bound first, while the bounds of the lists not yet
 *     added (their sum R) could still lift an unseen document to θ, a lower bound of the final k-th
 *     score (the heap's threshold from earlier segments, or an exactly scored estimate).
 *  2. Once R < θ, only documents already seen can make it, and only those with partial + R >= θ.
 *     Probing the remaining lists for those candidates costs a load (long lists keep a column of
 *     weights by document) or a seek per candidate and list; adding the next list costs its length
 *     and shrinks the candidates: whichever is cheaper is done.
 *  3. The candidates are probed list by list (dropping those that fall out of reach), then ranked.
 * Comparisons keep ties with θ; sums are formed in the same order as `exhaustive`, so both return
 * the same documents with the same scores. A document needs a positive score to be a hit.
 */
export function prunedTopK(lists: readonly TermList[], heap: TopK, range: DocRange, accept?: (doc: number) => boolean, minScore = -Infinity, counters?: SearchCounters): void {
  const L = byBound(lists);
  const n = L.length;
  if (n === 0 || heap.k <= 0) return;
  const base = range.base;
  const size = range.end - base;
  const acc = accumulators(size);
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + L[i]!.queryWeight * L[i]!.maxWeight;
  let bar = Math.max(heap.threshold, minScore);
  const raise = (docs: Int32Array) => {
    if (counters) counters.estimates = (counters.estimates ?? 0) + 1;
    bar = Math.max(bar, exactThreshold(L, stop, acc, docs, base, size, heap.k, accept));
  };
  let stop = 0;
  let cleared = false;
  try {
    // 1. Add lists while an unseen document could still reach the bar (and a while after, see
    //    below). Once the lists added could outscore the rest, the bar gets a first estimate
    //    (unless the heap, full from earlier segments, already sets a good one).
    let estimated = heap.full;
    for (; stop < n; stop++) {
      const rest = suffix[stop]!;
      if (!estimated && stop > 0 && rest < suffix[0]! - rest && worthEstimating(L, stop, heap.k)) {
        estimated = true;
        const m = likelyBest(L, stop, acc, size, base, 64 * heap.k);
        raise(largest(pickValues, pickDocs, m, 2 * heap.k));
      }
      // While adding the next list in full is cheaper than probing it for the candidates (counted
      // on a sample of the accumulators), keep adding.
      if (rest < bar && probingIsCheaper(countSample(acc, size, bar - rest), L[stop]!, size)) break;
      if (counters) counters.accumulated = (counters.accumulated ?? 0) + L[stop]!.docs.length;
      accumulate(acc, L[stop]!, base);
    }
    // 2. Unseen documents are out of reach now: the candidates are the seen documents that the
    //    remaining lists could still lift to the bar, and they only ever shrink (adding a list
    //    raises a partial score by at most the bound the rest loses). They move, with their partial
    //    scores, into compact arrays; the accumulators are cleared on the way.
    let count = gather(L, stop, suffix, acc, size, base, Math.max(bar - suffix[stop]!, Number.MIN_VALUE));
    cleared = true;
    const docs = candidateDocs;
    const scores = candidateScores;
    if (counters && stop < n) counters.probeCandidates = (counters.probeCandidates ?? 0) + count;
    // 3. Each remaining list is either probed for the candidates (a column load or a forward seek
    //    each) or added in full (its length), whichever is cheaper: the candidates end up with the
    //    same partial scores either way, and those that fall out of reach are dropped after every list.
    for (; stop < n && count > 0; stop++) {
      const l = L[stop]!;
      if (probingIsCheaper(count, l, size)) {
        if (counters) counters.probedLists = (counters.probedLists ?? 0) + 1;
        probe(l, docs, scores, count, base, size);
      } else {
        if (counters) counters.accumulated = (counters.accumulated ?? 0) + l.docs.length;
        cleared = false;
        addInFull(l, acc, docs, scores, count, base);
        cleared = true;
      }
      count = keepReachable(docs, scores, count, bar - suffix[stop + 1]!);
    }
    if (counters) counters.candidates += count;
    for (let c = 0; c < count; c++) {
      const d = docs[c]! + base;
      const score = scores[c]!;
      if (score > minScore && heap.admits(d, score) && (!accept || accept(d))) heap.push(d, score);
    }
  } finally {
    if (!cleared) acc.fill(0, 0, size);
  }
}

/** What a seek costs, in postings added (measured: a seek is a chain of dependent loads). */
const SEEK_COST = 16;

/** Is an exact estimate (2k documents probed in the lists from `from` on) cheap beside adding those lists? */
function worthEstimating(L: readonly TermList[], from: number, k: number): boolean {
  let postings = 0;
  for (let j = from; j < L.length; j++) postings += L[j]!.docs.length;
  return 2 * k * (L.length - from) * SEEK_COST * 8 < postings;
}

/**
 * Is probing `list` for `candidates` documents cheaper than adding it in full? A probe through a
 * weight column costs about what adding a posting does; a forward seek, a few steps of search.
 */
function probingIsCheaper(candidates: number, list: TermList, size: number): boolean {
  const length = list.docs.length;
  if (columnOf(list, size)) return candidates < length; // built here once, kept by the list
  return candidates * (3 + 2 * Math.log2(1 + length / (candidates + 1))) < length;
}

/** About how many accumulators are at least `need` (> 0), from a sample of them. */
function countSample(acc: Float64Array, size: number, need: number): number {
  const stride = 32;
  let hits = 0;
  for (let d = 0; d < size; d += stride) hits += +(acc[d]! >= need && acc[d]! > 0);
  return hits * stride;
}

/** Candidates (ascending, relative to the range base) and their partial scores; reused buffers. */
let candidateDocs = new Int32Array(0);
let candidateScores = new Float64Array(0);

/**
 * Moves the documents whose accumulator (from lists 0..stop-1) is at least `need` (> 0) into
 * candidateDocs/candidateScores, ascending when lists remain to be probed (in any order when not),
 * and clears the accumulators; returns how many. A document missing from the first s lists has at
 * most the bounds of lists s..stop-1, so when those sum below `need` the candidates are all in the
 * first s lists: reading those lists, when short, is cheaper than a pass over every accumulator.
 */
function gather(L: readonly TermList[], stop: number, suffix: Float64Array, acc: Float64Array, size: number, base: number, need: number): number {
  if (candidateDocs.length < size) {
    candidateDocs = new Int32Array(size);
    candidateScores = new Float64Array(size);
  }
  const docs = candidateDocs;
  const scores = candidateScores;
  let s = stop; // the fewest first lists such that lists s..stop-1 bound below need
  while (s > 0 && suffix[s - 1]! - suffix[stop]! < need) s--;
  let postings = 0;
  for (let j = 0; j < s; j++) postings += L[j]!.docs.length;
  let count = 0;
  // Reading a posting (random loads, then a sort) costs about ten times a step of the scan.
  if (postings * 10 < size) {
    count = docsOfFirstLists(L, s, acc, size, base, need, docs, size);
    if (stop < L.length) docs.subarray(0, count).sort(); // probes seek forward; ranking needs no order
    for (let c = 0; c < count; c++) scores[c] = acc[docs[c]!]!;
    clearAdded(L, stop, acc, size, base);
    return count;
  }
  for (let d = 0; d < size; d++) {
    const v = acc[d]!;
    if (v >= need) {
      docs[count] = d;
      scores[count++] = v;
    }
    acc[d] = 0;
  }
  return count;
}

/** Zeroes the accumulators of lists 0..stop-1: posting by posting when they touched few, else all. */
function clearAdded(L: readonly TermList[], stop: number, acc: Float64Array, size: number, base: number): void {
  let touched = 0;
  for (let j = 0; j < stop; j++) touched += L[j]!.docs.length;
  // A fill writes sequentially, several times faster per accumulator than scattered stores.
  if (touched * 8 >= size) {
    acc.fill(0, 0, size);
    return;
  }
  for (let j = 0; j < stop; j++) zeroPostings(acc, L[j]!, base);
}

/** Zeroes the accumulators of `list`'s documents. */
function zeroPostings(acc: Float64Array, list: TermList, base: number): void {
  const docs = list.docs;
  for (let p = 0; p < docs.length; p++) acc[docs[p]! - base] = 0;
}

/** Adds `list` in full to the candidates' scores, through the (zeroed) accumulators, left zeroed. */
function addInFull(list: TermList, acc: Float64Array, docs: Int32Array, scores: Float64Array, count: number, base: number): void {
  accumulate(acc, list, base);
  // 0 + q·w is q·w exactly, so each candidate gets the same addend as in `exhaustive`.
  for (let c = 0; c < count; c++) scores[c] += acc[docs[c]!]!;
  zeroPostings(acc, list, base);
}

/** Keeps the candidates whose partial score is at least `need` (in place, order kept); returns how many. */
function keepReachable(docs: Int32Array, scores: Float64Array, count: number, need: number): number {
  let kept = 0;
  for (let c = 0; c < count; c++) {
    docs[kept] = docs[c]!;
    scores[kept] = scores[c]!;
    kept += +(scores[c]! >= need);
  }
  return kept;
}

/** The reference: score every posting, then select. Same summation order and tie order as prunedTopK. */
export function exhaustive(lists: readonly TermList[], heap: TopK, range: DocRange, accept?: (doc: number) => boolean, minScore = -Infinity): void {
  const L = byBound(lists);
  const base = range.base;
  const size = range.end - base;
  const acc = accumulators(size);
  try {
    for (const l of L) accumulate(acc, l, base);
    for (let d = 0; d < size; d++) {
      const score = acc[d]!;
      if (score > 0 && score > minScore && heap.admits(d + base, score) && (!accept || accept(d + base))) heap.push(d + base, score);
    }
  } finally {
    acc.fill(0, 0, size);
  }
}
