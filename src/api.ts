/**
 * The public API both entries (browser, Node) share, besides their SparseEncoder: a curated list.
 * Internals (the scorer, block codec, poolers) are not exported; they may change in any release.
 */
export { isSpladeError, SpladeError, type SpladeErrorCode } from './errors.ts';

// text -> vector
export type {
  EncoderOptions,
  EncodeOptions,
  EncodeStats,
  EncodedVector,
  ContentTokens,
  SparseTextEncoder,
} from './encode/encoder.ts';
export { NO_SPAN } from './vector.ts';
export { DEFAULT_BATCH_SIZE } from './encode/encoder.ts';
export { type EncoderDevice, type BackendInfo, ENCODER_DEVICES } from './runtime/types.ts';
export { type LoadProgress, clearModelCache, DEFAULT_HUB_URL } from './model/source.ts';
export type { ModelSpec } from './model/layout.ts';
export type { PoolingConfig, Activation, PoolingStrategy } from './pooling/config.ts';

// vectors
export { type SparseVector, dot, topK, fromPairs, nnz, maxMerge, sumMerge, isValidSparseVector } from './vector.ts';

// the index
export {
  SparseIndex,
  INDEX_FORMAT,
  INDEX_SCHEMA,
  type IndexDocument,
  type IndexOptions,
  type IndexEncoder,
  type IndexSnapshot,
  type SearchOptions,
  type StoredDocument,
  type VerifyReport,
} from './index/engine/sparse-index.ts';
export { WEIGHT_ERROR_BOUND } from './index/format/codec.ts';
export type { ReadableStore, WritableStore } from './index/store/types.ts';

// results
export type { Hit, Filter, Fields } from './results/hits.ts';
export {
  type Contribution,
  type Explanation,
  type TokenWeight,
  decodeVector,
  explainMatch,
} from './results/explain.ts';
export {
  snippetFromSpans,
  spansOfMatches,
  spansOfVector,
  SNIPPET_CHARS,
  type Snippet,
  type Highlight,
  type WeightedSpan,
  type TokenSpans,
} from './results/snippet.ts';
