/**
 * Golden outputs written by scripts/make_models.py from PyTorch, and the assertion every encoder
 * test uses (the comparison itself is in golden-compare.ts, shared with the Node tests): the same
 * non-zero set, every value within 1e-4, and, where positions were asked for, every position equal
 * to the golden one except at the near-ties the golden file lists.
 */
import { expect } from '@playwright/test';
import { compareWithGolden, type Comparison, type GoldenCase } from './golden-compare.ts';

export { loadGolden, MODELS, TOLERANCE, type Golden, type GoldenCase, type ModelName } from './golden-compare.ts';

/** A vector as it comes back from page.evaluate (typed arrays turned into plain arrays). */
export interface PlainVector {
  indices: number[];
  values: number[];
  positions?: number[];
}

/** Asserts that `got` matches `want`; `positions` says whether the vector must carry positions. */
export function expectMatchesGolden(
  got: PlainVector,
  want: GoldenCase,
  label: string,
  options: { positions?: boolean } = {},
): Comparison {
  const result = compareWithGolden(got, want, options.positions === true);
  expect(result.problems, `${label}: differences from the golden "${want.name}"`).toEqual([]);
  return result;
}
