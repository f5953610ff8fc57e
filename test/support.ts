import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelConfig } from '../src/model/graph/config.ts';
import { SafetensorsWeights } from '../src/model/graph/weights.ts';
import type { ModelFiles } from '../src/model/source.ts';

/** Seeded PRNG so property-style tests are repeatable. */
export function mulberry32(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The plain reference for top-k tests: every (document, weight) pair of every list added into a
 * Map, then sorted. Shares no code with the engine (no heap, no accumulators, no list order).
 */
export function bruteForceTopK(
  lists: readonly { queryWeight: number; docs: ArrayLike<number>; weights: ArrayLike<number> }[],
  k: number,
  accept?: (doc: number) => boolean,
  minScore = -Infinity,
): { doc: number; score: number }[] {
  const scores = new Map<number, number>();
  for (const l of lists) {
    for (let p = 0; p < l.docs.length; p++) {
      const doc = l.docs[p]!;
      scores.set(doc, (scores.get(doc) ?? 0) + l.queryWeight * l.weights[p]!);
    }
  }
  return [...scores]
    .filter(([doc, score]) => score > 0 && score > minScore && (!accept || accept(doc)))
    .map(([doc, score]) => ({ doc, score }))
    .sort((a, b) => b.score - a.score || a.doc - b.doc)
    .slice(0, k);
}

/**
 * Failures of `got` against the brute-force top-k, ties aside: the same number of hits, the same
 * score at every rank (up to float summation order), each hit's own score right, and no document
 * clearly above the k-th score missing. Returns messages (empty when equal).
 */
export function topKMismatches(
  got: readonly { doc: number; score: number }[],
  want: readonly { doc: number; score: number }[],
  allScores: (doc: number) => number,
): string[] {
  const out: string[] = [];
  const eps = 1e-9 * Math.max(1, want[0]?.score ?? 1);
  if (got.length !== want.length) out.push(`${got.length} hits, expected ${want.length}`);
  got.forEach((h, i) => {
    if (want[i] && Math.abs(h.score - want[i]!.score) > eps)
      out.push(`rank ${i}: score ${h.score}, expected ${want[i]!.score}`);
    if (Math.abs(allScores(h.doc) - h.score) > eps)
      out.push(`doc ${h.doc}: score ${h.score}, its own is ${allScores(h.doc)}`);
  });
  const kth = got.length ? got[got.length - 1]!.score : Infinity;
  for (const w of want)
    if (w.score > kth + eps && !got.some((h) => h.doc === w.doc))
      out.push(`doc ${w.doc} (${w.score}) missing above ${kth}`);
  return out;
}

/** The largest |a - b| over every vocabulary entry, `zeroed` ids dropped from the reference. */
export function maxDifference(
  got: { indices: ArrayLike<number>; values: ArrayLike<number> },
  want: { indices: readonly number[]; values: readonly number[] },
  zeroed: ReadonlySet<number>,
): number {
  const dense = new Map<number, number>();
  want.indices.forEach((id, k) => {
    if (!zeroed.has(id)) dense.set(id, want.values[k]!);
  });
  let worst = 0;
  for (let k = 0; k < got.indices.length; k++) {
    const id = got.indices[k]!;
    worst = Math.max(worst, Math.abs(got.values[k]! - (dense.get(id) ?? 0)));
    dense.delete(id);
  }
  for (const value of dense.values()) worst = Math.max(worst, Math.abs(value));
  return worst;
}

/** The hub fixtures: real SPLADE repository layouts, cut down (test/fixtures/hub/<owner>/<name>/). */
const HUB_DIR = join(import.meta.dirname, 'fixtures', 'hub');

/**
 * The hub fixtures whose graph is built from config.json and safetensors (no ONNX), one per
 * architecture: the hub id, and the folder of the MLM model inside the repository.
 */
export const BUILT_FIXTURES = [
  { id: 'naver/splade-v3', dir: '' },
  { id: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-distill', dir: 'document_0_MLMTransformer' },
  { id: 'sparse-encoder-testing/splade-xlm-roberta-tiny', dir: '' },
  { id: 'opensearch-project/opensearch-neural-sparse-encoding-doc-v3-gte', dir: '' },
  { id: 'telepix/PIXIE-Splade-Preview', dir: '' },
];

/** The hub fixture `id`'s folder as ModelFiles (a missing file reads as undefined). */
function hubFixtureFiles(id: string): ModelFiles {
  return {
    description: id,
    read: async (path) => {
      try {
        return new Uint8Array(readFileSync(join(HUB_DIR, id, path)));
      } catch {
        return undefined;
      }
    },
  };
}

/** The config and safetensors weights of the hub fixture `id`'s model in its folder `dir`. */
export async function openHubFixture(
  id: string,
  dir: string,
): Promise<{ config: ModelConfig; weights: SafetensorsWeights }> {
  const files = hubFixtureFiles(id);
  const json = JSON.parse(new TextDecoder().decode((await files.read(join(dir, 'config.json')))!));
  return { config: ModelConfig.from(json, 'config.json'), weights: (await SafetensorsWeights.open(files, dir))! };
}

/** The token ids of the hub fixture `id`'s PyTorch reference texts (test/fixtures/hub/references/), a row a text. */
export function referenceTokenIds(id: string): number[][] {
  const ref = JSON.parse(readFileSync(join(HUB_DIR, 'references', `${id.replace('/', '__')}.json`), 'utf8')) as {
    input_ids?: number[][];
    ids?: number[][];
  };
  return (ref.input_ids ?? ref.ids)!;
}

/**
 * The largest difference between two sparse vectors (an entry missing from one counts as 0), over
 * the largest weight of `want`: how far apart two pooled results are, whatever the model's scale.
 */
export function relativeDifference(
  got: { indices: ArrayLike<number>; values: ArrayLike<number> },
  want: { indices: ArrayLike<number>; values: ArrayLike<number> },
): number {
  const a = new Map<number, number>();
  for (let k = 0; k < got.indices.length; k++) a.set(got.indices[k]!, got.values[k]!);
  let worst = 0;
  let scale = 0;
  for (let k = 0; k < want.indices.length; k++) {
    const id = want.indices[k]!;
    worst = Math.max(worst, Math.abs((a.get(id) ?? 0) - want.values[k]!));
    scale = Math.max(scale, want.values[k]!);
    a.delete(id);
  }
  for (const v of a.values()) worst = Math.max(worst, Math.abs(v));
  return worst / Math.max(scale, 1e-30);
}
