/**
 * Exact top-k by dot product with threshold pruning (MaxScore in accumulator form). Equal to
 * `exhaustive` (same documents, same scores, same tie order): ties are broken by ascending
 * document number in both.
 */
import { accumulate, byBound, seekIn, type DocRange, type TermList } from './lists.ts';
import { sharedScratch, type QueryScratch } from './scratch.ts';
import {
  COLUMN_DENSITY,
  ESTIMATE_BUDGET_PER_RESULT,
  ESTIMATE_DOCS_PER_RESULT,
  ESTIMATE_MAX_COST,
  POSTING_READ_COST,
  SAMPLE_STRIDE,
  SCATTER_CLEAR_COST,
  SEEK_COST,
} from './tuning.ts';
import { TopK } from './heap.ts';

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

export interface PruneOptions {
  /** Which documents may be hits (not removed, passing a filter); undefined: all of them. */
  accept?: ((doc: number) => boolean) | undefined;
  /** Only scores strictly above this. */
  minScore?: number;
  /** Figures of the work done, added to. */
  counters?: SearchCounters;
  /** Scratch memory (default: one shared by the thread). */
  scratch?: QueryScratch;
}

/**
 * The distinct documents (relative to `base`) of lists 0..lists-1 whose accumulator is at least
 * `need`, in list order, into `into`, at most `limit` of them; returns how many.
 */
function docsOfFirstLists(
  L: readonly TermList[],
  lists: number,
  acc: Float64Array,
  marks: Uint8Array,
  base: number,
  need: number,
  into: Int32Array,
  limit: number,
): number {
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

/**
 * Documents likely to have the best partial scores, into pickDocs/pickValues; returns how many.
 * The best partial scores sit on the documents of the lists added first (the largest bounds), so
 * those lists are read up to a budget of postings: much cheaper than ranking every accumulator.
 */
function likelyBest(L: readonly TermList[], stop: number, scratch: QueryScratch, base: number, budget: number): number {
  scratch.forPicks(budget);
  const { acc, pickDocs, pickValues } = scratch;
  const n = docsOfFirstLists(L, stop, acc, scratch.marks, base, -Infinity, pickDocs, budget);
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

function columnOf(l: TermList, size: number): Float32Array | undefined {
  return l.docs.length >= size * COLUMN_DENSITY ? l.lazy?.column?.(size) : undefined;
}

/**
 * Adds `list`'s weights for documents docs[0..count) (ascending, relative to `base`) to their
 * scores: through the list's weight column, or by one forward seek per document.
 */
function probe(
  list: TermList,
  docs: Int32Array,
  scores: Float64Array,
  count: number,
  base: number,
  size: number,
): void {
  const q = list.queryWeight;
  const column = columnOf(list, size);
  if (column) {
    for (let c = 0; c < count; c++) {
      const w = column[docs[c]!]!;
      if (w !== 0) scores[c]! += q * w; // absent postings add nothing, as in `exhaustive`
    }
    return;
  }
  const len = list.docs.length;
  let p = 0;
  for (let c = 0; c < count && p < len; c++) {
    const target = docs[c]! + base;
    p = seekIn(list, p, target);
    if (p < len && list.docs[p] === target) scores[c]! += q * list.weights[p]!;
  }
}

/**
 * A lower bound of the final k-th score: `docs` (ascending, chosen for their good partial scores)
 * are scored exactly by probing the lists not yet added, and the k-th best exact score is returned.
 * Exact scores beat partial ones by a wide margin, so far fewer candidates survive the bar.
 */
function exactThreshold(
  L: readonly TermList[],
  from: number,
  acc: Float64Array,
  docs: Int32Array,
  base: number,
  size: number,
  k: number,
  accept?: (doc: number) => boolean,
): number {
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
export function prunedTopK(lists: readonly TermList[], heap: TopK, range: DocRange, options: PruneOptions = {}): void {
  const { accept, minScore = -Infinity, counters, scratch = sharedScratch } = options;
  const L = byBound(lists);
  const n = L.length;
  if (n === 0 || heap.k <= 0) return;
  const base = range.base;
  const size = range.end - base;
  scratch.forRange(size);
  const acc = scratch.acc;
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
      if (!estimated && stop > 0 && heap.k <= size && rest < suffix[0]! - rest && worthEstimating(L, stop, heap.k)) {
        estimated = true;
        const m = likelyBest(L, stop, scratch, base, ESTIMATE_BUDGET_PER_RESULT * heap.k);
        raise(largest(scratch.pickValues, scratch.pickDocs, m, ESTIMATE_DOCS_PER_RESULT * heap.k));
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
    let count = gather(L, stop, suffix, scratch, size, base, Math.max(bar - suffix[stop]!, Number.MIN_VALUE));
    cleared = true;
    const docs = scratch.candidateDocs;
    const scores = scratch.candidateScores;
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

/** Is an exact estimate (2k documents probed in the lists from `from` on) cheap beside adding those lists? */
function worthEstimating(L: readonly TermList[], from: number, k: number): boolean {
  let postings = 0;
  for (let j = from; j < L.length; j++) postings += L[j]!.docs.length;
  return ESTIMATE_DOCS_PER_RESULT * k * (L.length - from) * SEEK_COST < postings * ESTIMATE_MAX_COST;
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
  const stride = SAMPLE_STRIDE;
  let hits = 0;
  for (let d = 0; d < size; d += stride) hits += +(acc[d]! >= need && acc[d]! > 0);
  return hits * stride;
}

/**
 * Moves the documents whose accumulator (from lists 0..stop-1) is at least `need` (> 0) into
 * candidateDocs/candidateScores, ascending when lists remain to be probed (in any order when not),
 * and clears the accumulators; returns how many. A document missing from the first s lists has at
 * most the bounds of lists s..stop-1, so when those sum below `need` the candidates are all in the
 * first s lists: reading those lists, when short, is cheaper than a pass over every accumulator.
 */
function gather(
  L: readonly TermList[],
  stop: number,
  suffix: Float64Array,
  scratch: QueryScratch,
  size: number,
  base: number,
  need: number,
): number {
  const { acc, candidateDocs: docs, candidateScores: scores } = scratch;
  let s = stop; // the fewest first lists such that lists s..stop-1 bound below need
  while (s > 0 && suffix[s - 1]! - suffix[stop]! < need) s--;
  let postings = 0;
  for (let j = 0; j < s; j++) postings += L[j]!.docs.length;
  let count = 0;
  if (postings * POSTING_READ_COST < size) {
    count = docsOfFirstLists(L, s, acc, scratch.marks, base, need, docs, size);
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
  if (touched * SCATTER_CLEAR_COST >= size) {
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
function addInFull(
  list: TermList,
  acc: Float64Array,
  docs: Int32Array,
  scores: Float64Array,
  count: number,
  base: number,
): void {
  accumulate(acc, list, base);
  // 0 + q·w is q·w exactly, so each candidate gets the same addend as in `exhaustive`.
  for (let c = 0; c < count; c++) scores[c]! += acc[docs[c]!]!;
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
