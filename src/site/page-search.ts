/**
 * searchPages on a built site without reading any section metadata: the index's top sections are
 * grouped by page through the page table (the sections of a page are numbered together, so a
 * section's page is a lookup in a small array that comes with the entry), and only the record of
 * each shown page's best section is read (its snippet), with the page's heads file (its sections'
 * ids and fields) when the page shows more than one section.
 *
 * The scoring is the engine's own (IndexReader's posting lists, prunedTopK over each segment into
 * one TopK), so the top sections, their scores and their order are those SparseIndex.search gives;
 * the explanation is describeMatch over the stored weights, as the engine explains a hit.
 */
import { throwIfAborted } from '../errors.ts';
import { IndexReader, present } from '../index/engine/reader.ts';
import { storedWeights } from '../index/engine/search.ts';
import { readOnly } from '../index/engine/read-only.ts';
import { decodeDocRecord, unsealJson } from '../index/format/records.ts';
import { docKey } from '../index/format/manifest.ts';
import { isRemoved } from '../index/format/tombstones.ts';
import { TopK, type Scored } from '../index/query/heap.ts';
import { weightOf, type TermList } from '../index/query/lists.ts';
import { prunedTopK } from '../index/query/maxscore.ts';
import { pageHeadsKey, type PageHeads, type PageTable } from '../index/store/pack.ts';
import type { ReadableStore } from '../index/store/types.ts';
import { describeMatch, type StoredSources } from '../results/describe.ts';
import type { Hit } from '../results/hits.ts';
import type { SparseVector } from '../vector.ts';
import { SpladeError } from '../errors.ts';

/** A page of the top sections: its sections (best first, numbers and scores) and its score. */
export interface RankedPage {
  page: number;
  sections: Scored[];
  score: number;
}

/**
 * How a page's sections add up to its score. Measured with bench:docs' prefixes as typed on three
 * sites (git-doc 250 pages, PostgreSQL 1 169, Debian 6 825; the bundled model, Node runtime):
 * - Each further section counts `laterSection` times the one before (1, 0.75, 0.56 for the default
 *   three): a page whose one section answers the query is less often buried under pages that
 *   mention its words in three sections each. Max alone (0) loses a third of the hits, a plain sum
 *   (1) some: 266 → 277 of 750 prefixes on git-doc, 406 → 413 of 655 on PostgreSQL.
 * - The page's lead section (its first: the title and what the page says it is, a man page's
 *   NAME, a reference page's one-line purpose) counts once more, whether or not it is among the
 *   top sections: readers type a page's subject, and pages state it there. Pagefind weights
 *   headings for the same reason. 413 → 436 of 655 on PostgreSQL ("create a new user" finds
 *   CREATE USER — define a new database role), 306 → 312 of 590 on Debian, 277 on git-doc.
 */
export interface PageScoring {
  /** What each further section counts, times the one before (0: the best section alone; 1: a sum). */
  laterSection: number;
  /** What the page's lead section's score counts (0: not at all). */
  leadSection: number;
}

export const DEFAULT_PAGE_SCORING: Readonly<PageScoring> = Object.freeze({ laterSection: 0.75, leadSection: 1 });

/** A page's score from its best sections' scores (best first) and its lead section's score. */
export function pageScore(sections: readonly number[], lead: number, scoring: PageScoring = DEFAULT_PAGE_SCORING) {
  let score = scoring.leadSection * lead;
  let weight = 1;
  for (const s of sections) {
    score += weight * s;
    weight *= scoring.laterSection;
  }
  return score;
}

/**
 * Pages of `top` (sections best first): each page's best `per` sections, the page scored by
 * pageScore with its lead section's score from `leadOf` (0 where unknown), pages by score, ties by
 * the rank of their best section; the first `limit`.
 */
export function rankPages(
  top: readonly Scored[],
  pageOf: (section: number) => number,
  per: number,
  limit: number,
  leadOf: (page: number) => number = () => 0,
  scoring: PageScoring = DEFAULT_PAGE_SCORING,
) {
  const byPage = new Map<number, Scored[]>();
  for (const h of top) {
    const page = pageOf(h.doc);
    const list = byPage.get(page);
    if (list) list.push(h);
    else byPage.set(page, [h]);
  }
  const pages: RankedPage[] = [...byPage].map(([page, all]) => {
    const sections = all.slice(0, per);
    return {
      page,
      sections,
      score: pageScore(
        sections.map((h) => h.score),
        leadOf(page),
        scoring,
      ),
    };
  });
  // Stable: pages of equal score keep the order of their best section.
  return pages
    .map((p, k) => ({ p, k }))
    .sort((a, b) => b.p.score - a.p.score || a.k - b.k)
    .map((x) => x.p)
    .slice(0, limit);
}

/** The index of a built site, read for searchPages (the engine's read side over the site's store). */
export class SiteReader {
  private readonly reader: IndexReader;

  private constructor(
    private readonly store: ReadableStore,
    private readonly table: PageTable,
    /** Sections per heads file (undefined: one heads file a page; the layout's headsPerFile). */
    private readonly headsPerFile: number | undefined,
  ) {
    this.reader = new IndexReader('site', readOnly(store, 'site'), {});
  }

  static async open(store: ReadableStore, table: PageTable, headsPerFile?: number): Promise<SiteReader> {
    const site = new SiteReader(store, table, headsPerFile);
    await site.reader.reload();
    const manifest = site.reader.manifest;
    if (manifest.docs !== table.sections || manifest.nextRecord !== table.sections)
      throw new SpladeError(
        'index-corrupt',
        `the stored index is damaged: its page table numbers ${table.sections} sections, the index ${manifest.docs}`,
      );
    return site;
  }

  /**
   * The best `candidates` sections for `query`, grouped into the top `limit` pages of up to `per`
   * sections each; the first section of each page comes with its record read and explained.
   */
  async searchPages(
    query: SparseVector,
    options: {
      candidates: number;
      per: number;
      limit: number;
      tokenOf: (id: number) => string;
      signal?: AbortSignal | undefined;
      scoring?: PageScoring | undefined;
    },
  ): Promise<{ pages: RankedPage[]; best: Hit[]; others: Hit[][] }> {
    const reader = this.reader;
    const view = reader.view();
    const heap = new TopK(options.candidates);
    const accept = (doc: number) => !isRemoved(view.tomb, doc);
    const pinned: number[] = [];
    const perSegment: { base: number; end: number; lists: TermList[] }[] = [];
    try {
      for (const segment of view.segments) {
        throwIfAborted(options.signal);
        const { lists, keys } = await reader.termLists(segment, query, pinned);
        perSegment.push({ base: segment.base, end: segment.end, lists });
        prunedTopK(lists, heap, segment, { accept, scratch: reader.scratch });
        reader.recount(lists, keys);
      }
      // A page's lead section is its first (the sections of a page are numbered together); its score
      // is read from the posting lists already fetched, so it costs no request.
      const leadOf = (page: number) => {
        const lead = this.table.start[page]!;
        const segment = perSegment.find((s) => lead >= s.base && lead < s.end);
        let score = 0;
        for (const list of segment?.lists ?? []) score += list.queryWeight * weightOf(list, lead);
        return score;
      };
      const pages = rankPages(
        heap.sorted(),
        (s) => this.table.pageOf(s),
        options.per,
        options.limit,
        leadOf,
        options.scoring,
      );
      throwIfAborted(options.signal);
      // Each page's best section needs its record (text and spans, for the snippet); the others
      // only their URL, title and heading path, from the page's heads files that hold them. All
      // fetched at once.
      const keys = pages.map((p) => docKey(p.sections[0]!.doc));
      const headsKeyOf = (p: RankedPage, s: Scored) =>
        pageHeadsKey(p.page, s.doc - this.table.start[p.page]!, this.headsPerFile);
      const headKeys = [...new Set(pages.flatMap((p) => p.sections.slice(1).map((s) => headsKeyOf(p, s))))];
      const [values, headValues] = await Promise.all([this.store.getMany(keys), this.store.getMany(headKeys)]);
      const records = new Map(
        pages.map((p, k) => [p.sections[0]!.doc, decodeDocRecord(present(values[k], keys[k]!), keys[k]!)]),
      );
      const heads = new Map(headKeys.map((key, k) => [key, unsealJson<PageHeads>(present(headValues[k], key), key)]));
      const best: Hit[] = [];
      const others: Hit[][] = [];
      for (const p of pages) {
        const [first, ...rest] = p.sections;
        const record = records.get(first!.doc)!;
        const lists = perSegment.find((s) => first!.doc >= s.base && first!.doc < s.end)!.lists;
        const sources: StoredSources | undefined =
          record.indices && record.spans && record.literal
            ? { indices: record.indices, spans: record.spans, literal: record.literal }
            : undefined;
        const described = describeMatch(query, storedWeights(lists, first!.doc), options.tokenOf, record.text, sources);
        best.push({
          id: record.id,
          score: first!.score,
          fields: record.fields,
          text: record.text,
          contributions: described.contributions,
          snippet: described.snippet,
        });
        others.push(
          rest.map((s) => {
            const at = s.doc - this.table.start[p.page]!;
            const key = headsKeyOf(p, s);
            // Within its heads file: the file holds sections from a multiple of headsPerFile on.
            const within = this.headsPerFile === undefined ? at : at % this.headsPerFile;
            const part = heads.get(key)!;
            const id = part.ids[within];
            if (id === undefined)
              throw new SpladeError('index-corrupt', `the stored index is damaged: ${key} has no section ${at}`);
            return { id, score: s.score, fields: part.fields[within] ?? {} };
          }),
        );
      }
      return { pages, best, others };
    } finally {
      for (const key of pinned) reader.cache.unpin(key);
      reader.cache.trim();
      reader.scratch.fit();
    }
  }

  close(): void {
    this.store.close();
  }
}
