/**
 * Golden outputs written by scripts/make_models.py from PyTorch, and the comparison every encoder
 * test uses: the same non-zero set, values within 1e-4, and (where asked) the same positions.
 */
import { readFileSync } from 'node:fs';
import { expect } from '@playwright/test';

export interface GoldenCase {
  name: string;
  route: 'query' | 'document';
  text: string;
  windows: number[][];
  indices: number[];
  values: number[];
  positions?: [number, number][];
}

export interface Golden {
  model: string;
  vocabSize: number;
  maxSeqLength: number;
  specialIds: number[];
  cases: GoldenCase[];
}

export const MODELS = ['splade-tiny-en-if', 'splade-tiny-ko'] as const;
export type ModelName = (typeof MODELS)[number];

export function loadGolden(model: ModelName): Golden {
  return JSON.parse(readFileSync(new URL(`../fixtures/golden/${model}.json`, import.meta.url), 'utf8'));
}

/** A vector as it comes back from page.evaluate (typed arrays turned into plain arrays). */
export interface PlainVector {
  indices: number[];
  values: number[];
  positions?: number[];
}

export const TOLERANCE = 1e-4;

export function expectMatchesGolden(got: PlainVector, want: GoldenCase, label: string): { maxDiff: number; positionMismatches: number } {
  expect(got.indices, `${label}: non-zero set of "${want.name}"`).toEqual(want.indices);
  let maxDiff = 0;
  want.values.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - got.values[k]!))));
  expect(maxDiff, `${label}: max abs difference on "${want.name}"`).toBeLessThanOrEqual(TOLERANCE);
  // A position is the argmax over tokens. The same word repeated in a document gives nearly equal
  // logits at each occurrence, so float noise may pick another occurrence: that is the same input
  // token and counts as a match. Any other difference is a mismatch.
  let positionMismatches = 0;
  if (want.positions && got.positions) {
    want.positions.forEach(([w, t], k) => {
      const gw = got.positions![2 * k]!;
      const gt = got.positions![2 * k + 1]!;
      if (gw === w && gt === t) return;
      if (want.windows[gw]?.[gt] !== undefined && want.windows[gw]![gt] === want.windows[w]?.[t]) return;
      positionMismatches++;
    });
  }
  return { maxDiff, positionMismatches };
}
