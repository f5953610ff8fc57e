/**
 * When segments are rewritten. Every rewrite drops removed documents and renumbers the rest, so a
 * churned index (the same ids upserted again and again) is sized by its live documents.
 */
import type { SegmentInfo } from '../format/manifest.ts';

/** More segments than this and the adjacent pair with the fewest postings is merged. */
export const MAX_SEGMENTS = 8;
/** A segment with more than this fraction of its documents removed is rewritten alone. */
export const MAX_REMOVED_FRACTION = 0.5;

/** What to rewrite next: segments [start, start + count) into one (count 1: compaction); none: null. */
export function nextRewrite(
  segments: readonly SegmentInfo[],
  removedIn: (s: SegmentInfo) => number,
): { start: number; count: number } | null {
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const size = s.end - s.base;
    if (size > 0 && removedIn(s) > size * MAX_REMOVED_FRACTION) return { start: i, count: 1 };
  }

  if (segments.length <= MAX_SEGMENTS) return null;
  let best = 0;
  for (let i = 1; i + 1 < segments.length; i++) {
    if (segments[i]!.postings + segments[i + 1]!.postings < segments[best]!.postings + segments[best + 1]!.postings)
      best = i;
  }

  return { start: best, count: 2 };
}
