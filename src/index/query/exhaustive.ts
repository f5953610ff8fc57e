/** The reference scorer: every posting is scored, then the best are selected. */
import type { TopK } from './heap.ts';
import { accumulate, byBound, type DocRange, type TermList } from './lists.ts';
import { sharedScratch, type QueryScratch } from './scratch.ts';

export interface ExhaustiveOptions {
  /** Which documents may be hits (not removed, passing a filter); undefined: all of them. */
  accept?: ((doc: number) => boolean) | undefined;
  /** Only scores strictly above this. */
  minScore?: number;
  scratch?: QueryScratch;
}

/** Scores every posting, then selects. Same summation order and tie order as prunedTopK. */
export function exhaustive(
  lists: readonly TermList[],
  heap: TopK,
  range: DocRange,
  options: ExhaustiveOptions = {},
): void {
  const { accept, minScore = -Infinity, scratch = sharedScratch } = options;
  const L = byBound(lists);
  const base = range.base;
  const size = range.end - base;
  scratch.forRange(size);
  const acc = scratch.acc;
  try {
    for (const l of L) accumulate(acc, l, base);
    for (let d = 0; d < size; d++) {
      const score = acc[d]!;
      if (score > 0 && score > minScore && heap.admits(d + base, score) && (!accept || accept(d + base)))
        heap.push(d + base, score);
    }
  } finally {
    acc.fill(0, 0, size);
  }
}
