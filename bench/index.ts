/**
 * Browser side of `npm run bench:index`: a synthetic corpus with SPLADE-like statistics, indexed
 * into IndexedDB, queried warm and cold, pruned and exhaustive, beside MiniSearch (BM25).
 */
import MiniSearch from 'minisearch';
import { SparseIndex } from '../src/browser.ts';
import { syntheticDocuments, syntheticQueries } from './synthetic.ts';
import type { SparseVector } from '../src/vector.ts';

const log = (line: string) => {
  document.getElementById('log')!.textContent += `\n${line}`;
  console.log(line);
};

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

/** Words for MiniSearch: each term becomes a token repeated by weight (a bag of words BM25 can use). */
function asText(v: SparseVector): string {
  const words: string[] = [];
  for (let k = 0; k < v.indices.length; k++)
    for (let r = 0; r < Math.max(1, Math.round(v.values[k]!)); r++) words.push(`t${v.indices[k]}`);
  return words.join(' ');
}

/** Posting-list cache (encoded bytes plus decoded blocks) of the benchmark's index; the library's default is 64 MiB. */
const CACHE_BYTES = 512 * 1024 * 1024;

/** Pairs of timed passes (pruned, then exhaustive) per query kind. */
const ROUNDS = 3;
/** Untimed passes before each timed one: the cache and the JIT reach their steady state. */
const WARM_PASSES = 3;

async function runSize(size: number, queriesPerKind: number, withMiniSearch: boolean) {
  const name = `bench-${size}`;
  await SparseIndex.delete(name);
  // Past 100k documents the exact vectors (8 bytes per posting) are not stored: the benchmark is about
  // postings, and a million documents' vectors would be gigabytes of IndexedDB.
  const storeVectors = size <= 100_000;
  let index = await SparseIndex.open(name, { commitSize: 25_000, cacheBytes: CACHE_BYTES, storeVectors });
  const CHUNK = 25_000;
  let postings = 0;
  let addMs = 0;
  const mini = withMiniSearch ? new MiniSearch({ fields: ['text'], idField: 'id' }) : undefined;
  let miniAddMs = 0;
  for (let start = 0; start < size; start += CHUNK) {
    const docs = syntheticDocuments(Math.min(CHUNK, size - start), 1, {}, start);
    for (const d of docs) postings += d.vector.indices.length;
    const [, ms] = await time(() => index.add(docs));
    addMs += ms;
    if (mini) {
      const texts = docs.map((d) => ({ id: d.id, text: asText(d.vector) }));
      const t = performance.now();
      mini.addAll(texts);
      miniAddMs += performance.now() - t;
    }
    log(`${size}: added ${start + docs.length} (${Math.round(postings / (addMs / 1000))} postings/s)`);
  }
  const stats = index.stats;
  await index.dispose();
  // Cold open: a fresh instance reads the manifest and dictionaries only.
  const [reopened, coldOpenMs] = await time(() => SparseIndex.open(name, { cacheBytes: CACHE_BYTES }));
  index = reopened;
  const result: Record<string, unknown> = {
    documents: size,
    postings,
    segments: stats.segments,
    cacheBytes: CACHE_BYTES,
    storeVectors,
    postingsPerSec: postings / (addMs / 1000),
    bytesPerPosting: stats.postingBytes / stats.postings,
    coldOpenMs,
  };
  const queries: Record<string, unknown> = {};
  let first = true;
  for (const terms of [5, 40]) {
    const qs = syntheticQueries(queriesPerKind, terms, 77);
    if (first) {
      const [, ms] = await time(() => index.search(qs[0]!, { limit: 10 }));
      result['firstQueryMs'] = ms;
      first = false;
    }
    // Each way of searching is timed in its own pass, after passes that warm the cache for it:
    // under a bounded cache their working sets differ (exhaustive decodes every block of every
    // list, pruned only what it reads), so interleaving single queries would time one evicting the
    // other. The pairs of passes repeat, so that a slow spell of this shared machine hits both.
    const timedPass = async (exhaustive: boolean) => {
      for (let pass = 0; pass < WARM_PASSES; pass++)
        for (const q of qs) await index.search(q, { limit: 10, exhaustive });
      const ms: number[] = [];
      const ids: string[] = [];
      for (const q of qs) {
        const [hits, t] = await time(() => index.search(q, { limit: 10, exhaustive }));
        ms.push(t);
        ids.push(hits.map((h) => h.id).join());
      }
      return { ms, ids, cachedBytes: index.stats.cachedBytes };
    };
    const pruned = { ms: [] as number[], ids: [] as string[], cachedBytes: 0 };
    const full = { ms: [] as number[], ids: [] as string[], cachedBytes: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [into, exhaustive] of [
        [pruned, false],
        [full, true],
      ] as const) {
        const pass = await timedPass(exhaustive);
        into.ms.push(...pass.ms);
        into.ids.push(...pass.ids);
        into.cachedBytes = pass.cachedBytes;
      }
    }
    const identical = pruned.ids.every((ids, k) => ids === full.ids[k]);
    queries[String(terms)] = {
      p50Ms: percentile(pruned.ms, 50),
      p99Ms: percentile(pruned.ms, 99),
      exhaustiveP50Ms: percentile(full.ms, 50),
      exhaustiveP99Ms: percentile(full.ms, 99),
      speedupP50: percentile(full.ms, 50) / percentile(pruned.ms, 50),
      top10Identical: identical,
      queries: qs.length,
      rounds: ROUNDS,
      warmPasses: WARM_PASSES,
      cachedBytesPruned: pruned.cachedBytes,
      cachedBytesExhaustive: full.cachedBytes,
    };
    log(`${size} / ${terms} terms: ${JSON.stringify(queries[String(terms)])}`);
  }
  result['queries'] = queries;
  if (mini) {
    const qs = [...syntheticQueries(queriesPerKind, 5, 77), ...syntheticQueries(queriesPerKind, 40, 77)].map((q) =>
      Array.from(q.indices, (t) => `t${t}`).join(' '),
    );
    for (const q of qs.slice(0, 20)) mini.search(q);
    const ms = qs.map((q) => {
      const t = performance.now();
      mini.search(q);
      return performance.now() - t;
    });
    result['minisearch'] = {
      p50Ms: percentile(ms, 50),
      p99Ms: percentile(ms, 99),
      indexBytes: JSON.stringify(mini).length,
      addMs: miniAddMs,
    };
    log(`${size} minisearch: ${JSON.stringify(result['minisearch'])}`);
  } else {
    result['minisearch'] = null;
  }
  await index.dispose();
  await SparseIndex.delete(name);
  return result;
}

(window as unknown as { runIndexBench: unknown }).runIndexBench = async (config: {
  sizes: number[];
  queries: number;
  miniSearchUpTo: number;
}) => {
  const sizes: Record<string, unknown> = {};
  for (const size of config.sizes)
    sizes[String(size)] = await runSize(size, config.queries, size <= config.miniSearchUpTo);
  return { sizes };
};
