/** What both entries (browser and Node) export besides their SparseEncoder. */
export { SpladeError, type SpladeErrorCode } from './errors.ts';
export type { EncoderOptions, EncodeOptions, EncodeStats, Runtime } from './encoder/encoder.ts';
export type { EncodedVector } from './encoder/merge.ts';
export { DEFAULT_BATCH_SIZE } from './encoder/encoder.ts';
export { type EncoderDevice, ENCODER_DEVICES } from './runtime/backend.ts';
export { type LoadProgress, classifySource, hubFileUrl, clearModelCache, DEFAULT_HUB_URL } from './model/source.ts';
export type { ModelSpec } from './model/layout.ts';
export { type PoolingConfig, type Activation, type PoolingStrategy, activate } from './pool/config.ts';
export { poolCpu } from './pool/cpu.ts';
export { type SparseVector, dot, topK, fromPairs, nnz, maxMerge, sumMerge, isValidSparseVector } from './vector/sparse.ts';
export { type Contribution, type Explanation, type TokenWeight, decodeVector, explainMatch } from './vector/explain.ts';
export { makeSnippet, surfaceOf, type Snippet, type Highlight } from './search/snippet.ts';
export { TopK, prunedTopK, exhaustive, type TermList } from './search/topk.ts';
export { WEIGHT_ERROR_BOUND, BLOCK_SIZE } from './index/codec.ts';
