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
import type { TermList } from '../index/query/lists.ts';
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
 * Pages of `top` (sections best first): each page's best `per` sections, the page scored by their
 * sum, pages by score, ties by the rank of their best section; the first `limit`.
 */
export function rankPages(top: readonly Scored[], pageOf: (section: number) => number, per: number, limit: number) {
  const byPage = new Map<number, Scored[]>();
  for (const h of top) {
    const page = pageOf(h.doc);
    const list = byPage.get(page);
    if (list) list.push(h);
    else byPage.set(page, [h]);
  }
  const pages: RankedPage[] = [...byPage].map(([page, all]) => {
    const sections = all.slice(0, per);
    return { page, sections, score: sections.reduce((sum, h) => sum + h.score, 0) };
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
  ) {
    this.reader = new IndexReader('site', readOnly(store, 'site'), {});
  }

  static async open(store: ReadableStore, table: PageTable): Promise<SiteReader> {
    const site = new SiteReader(store, table);
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
      const pages = rankPages(heap.sorted(), (s) => this.table.pageOf(s), options.per, options.limit);
      throwIfAborted(options.signal);
      // Each page's best section needs its record (text and spans, for the snippet); the others
      // only their URL, title and heading path, from the page's heads file. All fetched at once.
      const keys = pages.map((p) => docKey(p.sections[0]!.doc));
      const headKeys = pages.filter((p) => p.sections.length > 1).map((p) => pageHeadsKey(p.page));
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
        const pageHeads = rest.length ? heads.get(pageHeadsKey(p.page))! : undefined;
        others.push(
          rest.map((s) => {
            const at = s.doc - this.table.start[p.page]!;
            const id = pageHeads?.ids[at];
            if (id === undefined)
              throw new SpladeError(
                'index-corrupt',
                `the stored index is damaged: ${pageHeadsKey(p.page)} has no section ${at}`,
              );
            return { id, score: s.score, fields: pageHeads!.fields[at] ?? {} };
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
