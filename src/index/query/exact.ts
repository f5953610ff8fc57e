/**
 * From stored 8-bit weights to exact float scores. Every stored weight is within WEIGHT_ERROR_BOUND
 * of its block's scale of the original, and a block's scale is at most its term's dictionary bound,
 * so a stored score is within `scoreErrorBound` of the float dot product. A document outside the
 * stored top-k can then beat the k-th exact score θ only if its stored score exceeds θ - bound:
 * rescoring exactly those documents makes the result provably the float top-k.
 */
import { WEIGHT_ERROR_BOUND } from '../format/codec.ts';
import type { TermList } from './lists.ts';

/** Float32 rounding of a dequantized weight (relative), on top of the quantization bound. */
const DEQUANTIZE_ROUNDING = 2 ** -23;
/** Slack for float64 summation in different orders (relative to the largest possible score). */
const SUMMATION_SLACK = 1e-9;

/** The most a stored score over `lists` (one segment's lists of one query) differs from the exact one. */
export function scoreErrorBound(lists: readonly TermList[]): number {
  let bound = 0;
  let largest = 0;
  for (const l of lists) {
    if (!(l.queryWeight > 0)) continue;
    bound += l.queryWeight * l.maxWeight * (WEIGHT_ERROR_BOUND + DEQUANTIZE_ROUNDING);
    largest += l.queryWeight * l.maxWeight;
  }
  return bound + largest * SUMMATION_SLACK;
}
