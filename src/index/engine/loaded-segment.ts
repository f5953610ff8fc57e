/**
 * A segment as a reader holds it: its manifest entry with its dictionary pages (one unless the
 * segment is paged; pages load as queries need them) and where each page starts among its terms;
 * and back to the manifest entry the writer stores.
 */
import type { SegmentInfo } from '../format/manifest.ts';
import type { SegmentDictionary } from '../format/segment.ts';

export interface LoadedSegment extends SegmentInfo {
  pages: (SegmentDictionary | undefined)[];
  /** Place of each page's first term among all of the segment's terms; last entry: the term count. */
  pageStart: Uint32Array;
}

/** A segment whose whole dictionary is at hand (one page). */
export function withDictionary(info: SegmentInfo, dictionary: SegmentDictionary): LoadedSegment {
  const { dictPages: _pages, ...rest } = info;
  return { ...rest, pages: [dictionary], pageStart: Uint32Array.of(0, dictionary.terms.length) };
}

/** A segment whose pages load on demand. */
export function withPages(info: SegmentInfo): LoadedSegment {
  const counts = info.dictPages!.map((p) => p.terms);
  const pageStart = new Uint32Array(counts.length + 1);
  counts.forEach((n, k) => (pageStart[k + 1] = pageStart[k]! + n));
  return { ...info, pages: new Array(counts.length).fill(undefined), pageStart };
}

/** The page of `segment` that holds `term`, if any would (by first terms). */
export function pageOf(segment: LoadedSegment, term: number): number {
  const pages = segment.dictPages;
  if (!pages) return 0;
  let lo = 0;
  let hi = pages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (pages[mid]!.first <= term) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The manifest entry of a loaded segment (what the manifest stores of it). */
export function infoOf(s: LoadedSegment): SegmentInfo {
  const info: SegmentInfo = {
    id: s.id,
    base: s.base,
    end: s.end,
    chunks: s.chunks,
    postings: s.postings,
    bytes: s.bytes,
  };
  if (s.dictPages) info.dictPages = s.dictPages;
  if (s.metaPageDocs) info.metaPageDocs = s.metaPageDocs;
  return info;
}
