/** Searching sorted arrays: shared by the block codec (block tables) and the query code (postings). */

/** First index in [from, end) whose value is >= target, or `end` (galloping, then binary search). */
export function seek(sorted: ArrayLike<number>, from: number, target: number, end = sorted.length): number {
  let lo = from;
  if (lo >= end || sorted[lo]! >= target) return lo;
  let step = 1;
  let hi = lo + step;
  while (hi < end && sorted[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  hi = Math.min(hi, end);
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}
