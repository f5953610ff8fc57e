/**
 * A search over one generation: pruned (or exhaustive) top-k segment by segment, exact rescoring
 * when asked, and the hits described (ids and fields from segment metadata; explanations from the
 * stored records, with no model call).
 */
import { SpladeError, throwIfAborted } from '../../errors.ts';
import { describeMatch, type StoredSources } from '../../results/describe.ts';
import type { Hit } from '../../results/hits.ts';
import type { TokenSpans } from '../../results/snippet.ts';
import { dot, type SparseVector } from '../../vector.ts';
import type { DocRecord } from '../format/records.ts';
import { scoreErrorBound } from '../query/exact.ts';
import { exhaustive } from '../query/exhaustive.ts';
import { TopK, type Scored } from '../query/heap.ts';
import { weightOf, type TermList } from '../query/lists.ts';
import { prunedTopK } from '../query/maxscore.ts';
import type { LoadedSegment } from './loaded-segment.ts';
import type { GenerationView, IndexReader } from './reader.ts';
import type { SearchOptions } from './types.ts';

/** What explaining hits needs besides the index: names of terms and, when there is a tokenizer, a document's tokens. */
export interface ExplainContext {
  tokenOf: (id: number) => string;
  tokenize?: ((text: string) => TokenSpans | Promise<TokenSpans>) | undefined;
}

export async function searchIndex(
  reader: IndexReader,
  explainWith: ExplainContext,
  query: SparseVector,
  limit: number,
  options: SearchOptions,
): Promise<Hit[]> {
  const heap = new TopK(limit);
  const view = reader.view();
  const accept = await reader.acceptor(options.filter, view);
  const pinned: number[] = []; // the lists this search holds: kept whole until it is done
  try {
    const perSegment: { segment: LoadedSegment; lists: TermList[] }[] = [];
    const scoring = {
      accept,
      scratch: reader.scratch,
      ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
    };
    for (const segment of view.segments) {
      throwIfAborted(options.signal);
      const { lists, keys } = await reader.termLists(segment, query, pinned);
      perSegment.push({ segment, lists });
      if (options.exhaustive) exhaustive(lists, heap, segment, scoring);
      else prunedTopK(lists, heap, segment, scoring);
      reader.recount(lists, keys);
    }
    let top = heap.sorted();
    let exact: Map<number, DocRecord> | undefined;
    if (options.rescore)
      ({ top, records: exact } = await rescore(reader, view, query, limit, options, perSegment, top, accept));
    return await describeHits(reader, view, explainWith, top, query, options, perSegment, exact);
  } finally {
    for (const key of pinned) reader.cache.unpin(key);
    reader.cache.trim();
    reader.scratch.fit();
  }
}
/**
 * The float top-k: the stored top-k are scored exactly, which gives θ, a lower bound of the k-th
 * exact score; any other document that could beat θ has a stored score above θ minus the error
 * bound, so those are found (pruned search with that floor) and scored exactly too.
 */
async function rescore(
  reader: IndexReader,
  view: GenerationView,
  query: SparseVector,
  limit: number,
  options: SearchOptions,
  perSegment: { segment: LoadedSegment; lists: TermList[] }[],
  top: Scored[],
  accept: (doc: number) => boolean,
): Promise<{ top: Scored[]; records: Map<number, DocRecord> }> {
  const records = new Map<number, DocRecord>();
  const exact = new Map<number, number>();
  const score = async (docs: number[]) => {
    const fresh = docs.filter((d) => !exact.has(d));
    const got = await reader.records(fresh, view);
    fresh.forEach((doc, k) => {
      const r = got[k]!;
      if (!r.indices || !r.values)
        throw new SpladeError(
          'invalid-option',
          `rescore needs the documents' vectors, and document "${r.id}" was stored without one (storeVectors: false)`,
        );
      records.set(doc, r);
      exact.set(doc, dot(query, { indices: r.indices, values: r.values }));
    });
  };
  if (limit === 0) return { top: [], records };
  await score(top.map((h) => h.doc));
  const firstExact = new TopK(limit);
  for (const [doc, s] of exact) firstExact.push(doc, s);
  const theta = Math.max(firstExact.full ? firstExact.threshold : -Infinity, options.minScore ?? -Infinity);
  const bound = Math.max(0, ...perSegment.map((p) => scoreErrorBound(p.lists)));
  const floor = theta - bound;
  const open: number[] = [];
  for (const { segment, lists } of perSegment) {
    throwIfAborted(options.signal);
    if (floor > 0) {
      const above = new TopK(Number.MAX_SAFE_INTEGER);
      prunedTopK(lists, above, segment, { accept, minScore: floor, scratch: reader.scratch });
      for (const h of above.sorted()) open.push(h.doc);
    } else {
      // Any matching document may be in the top-k (even one whose stored weights round to 0).
      const seen = new Set<number>();
      for (const l of lists) {
        l.lazy?.loadAll();
        for (const d of l.docs) if (!seen.has(d) && accept(d)) seen.add(d);
      }
      open.push(...seen);
    }
  }

  await score(open);
  const final = new TopK(limit);
  const minScore = options.minScore ?? -Infinity;
  for (const [doc, s] of exact) if (s > 0 && s > minScore) final.push(doc, s);
  return { top: final.sorted(), records };
}

async function describeHits(
  reader: IndexReader,
  view: GenerationView,
  explainWith: ExplainContext,
  top: Scored[],
  query: SparseVector,
  options: SearchOptions,
  perSegment: { segment: LoadedSegment; lists: TermList[] }[],
  exact?: Map<number, DocRecord>,
): Promise<Hit[]> {
  if (top.length === 0) return [];
  // Ids and fields come from the segments' metadata (only the hits' pages, when paged): a query
  // reads no document record unless it asks for explanations (which need the text).
  let places = top.map((h) => reader.place(h.doc, view));
  let entries = await Promise.all(places.map((p) => reader.metaEntry(p.segment, p.at)));
  if (options.pick) {
    // The caller chooses among the bare hits; only what it keeps is explained.
    const bare = top.map((h, k): Hit => ({ id: entries[k]!.id, score: h.score, fields: entries[k]!.fields }));
    const picked = options.pick(bare);
    if (!Array.isArray(picked))
      throw new SpladeError(
        'invalid-option',
        `search() option pick must return an array of the hits it was given, got ${typeof picked}`,
      );
    const at = picked.map((hit) => bare.indexOf(hit));
    if (at.some((k) => k < 0))
      throw new SpladeError(
        'invalid-option',
        'search() option pick must return hits from the array it was given (the same objects), in any order',
      );
    top = at.map((k) => top[k]!);
    places = at.map((k) => places[k]!);
    entries = at.map((k) => entries[k]!);
    if (top.length === 0) return [];
  }
  const records = options.explain
    ? await reader.records(
        top.map((h) => h.doc).filter((d) => !exact?.has(d)),
        view,
      )
    : [];
  const explained = options.explain ? top.map((h) => exact?.get(h.doc)) : [];
  let next = 0;
  for (let k = 0; k < explained.length; k++) explained[k] ??= records[next++]!;
  // The documents' own tokens (tokenizer only, no model call) to mark every occurrence of a match.
  const tokenize = explainWith.tokenize;
  const tokens = tokenize
    ? await Promise.all(
        explained.map((r) => (r!.text ? Promise.resolve(tokenize(r!.text)).catch(() => undefined) : undefined)),
      )
    : [];
  return top.map((h, k) => {
    const entry = entries[k]!;
    const hit: Hit = { id: entry.id, score: h.score, fields: entry.fields };
    if (!options.explain) return hit;
    const record = explained[k]!;
    // Contributions sum to the score: from the exact vector when rescored, else the stored weights.
    const weights =
      options.rescore && record.indices && record.values
        ? { indices: record.indices, values: record.values }
        : storedWeights(perSegment.find((p) => p.segment === places[k]!.segment)!.lists, h.doc);
    const sources: StoredSources | undefined =
      record.indices && record.spans && record.literal
        ? { indices: record.indices, spans: record.spans, literal: record.literal }
        : undefined;
    const described = describeMatch(query, weights, explainWith.tokenOf, record.text, sources, tokens[k]);
    hit.text = record.text;
    hit.contributions = described.contributions;
    hit.snippet = described.snippet;
    return hit;
  });
}

/** The stored (dequantized) weights of one document for the query's terms, as a sparse vector. */
export function storedWeights(lists: readonly TermList[], doc: number): SparseVector {
  const pairs: [number, number][] = [];
  for (const l of lists) {
    const w = weightOf(l, doc);
    if (w > 0) pairs.push([l.term, w]);
  }

  pairs.sort((a, b) => a[0] - b[0]);
  return { indices: Uint32Array.from(pairs, (p) => p[0]), values: Float32Array.from(pairs, (p) => p[1]) };
}
