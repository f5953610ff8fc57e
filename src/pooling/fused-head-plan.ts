/**
 * The parts of the fused SPLADE head (fused-head.ts, fused-head.wgsl) that need no GPU: the
 * kernel's uniform structs (declared once, see uniforms.ts), the shader text it is compiled with
 * (tile sizes and weight format are constants of the program), and how one pooling call is cut into
 * dispatches under a device's limits. Tested in Node (test/fused-head-plan.test.ts).
 */
import type { PoolingConfig } from './config.ts';
import { POSITION_WGSL } from './packing.ts';
import { ACTIVATION_CODE, STRATEGY_CODE } from './pool-params.ts';
import { uniformStruct } from './uniforms.ts';
import { SpladeError } from '../errors.ts';

export const HEAD_PARAMS = uniformStruct('HeadParams', [
  ['tokens', 'u32', 'tokens per row (rows are padded to this)'],
  ['hidden', 'u32', 'hidden size: values per token, weights per vocabulary entry'],
  ['vocab', 'u32', 'vocabulary entries in all (the row length of pooledValues)'],
  ['vocabBase', 'u32', 'first vocabulary id of the weight chunk bound to this dispatch'],
  ['vocabCount', 'u32', 'vocabulary entries in that chunk'],
  ['rowWords', 'u32', 'u32 words per weight row (hidden, or ceil(hidden / 2) for f16 pairs)'],
  ['segments', 'u32', 'segments (documents) in the batch'],
  ['segmentBase', 'u32', 'first segment of this dispatch (workgroup_id.y counts from it)'],
  ['strategy', 'u32', `${STRATEGY_CODE.max} = max, ${STRATEGY_CODE.sum} = sum`],
  [
    'activation',
    'u32',
    `${ACTIVATION_CODE.relu} = relu: log1p(relu(x)); ${ACTIVATION_CODE.log1p_relu} = log1p_relu: log1p(log1p(relu(x)))`,
  ],
  ['positions', 'u32', '1: record the (window, token) of each max'],
  ['threshold', 'f32', 'keep values strictly above this (and above 0)'],
]);

export const COMPACT_PARAMS = uniformStruct('CompactParams', [
  ['vocab', 'u32', 'vocabulary entries per segment'],
  ['segments', 'u32', 'segments (documents) in the batch'],
  ['segmentBase', 'u32', 'first segment of this dispatch (global_invocation_id.y counts from it)'],
  ['capacity', 'u32', 'entries reserved per segment'],
  ['positions', 'u32', '1: copy each entry position'],
]);

/** How tokens x vocabulary are tiled: see fused-head.wgsl. Each invocation holds 4 tokens x 4 entries. */
export interface FusedHeadTiling {
  /** Invocations along the vocabulary (the tile holds 4x as many entries). */
  wgVocab: number;
  /** Invocations along the tokens (the tile holds 4x as many tokens). */
  wgTokens: number;
  /** Hidden values staged per step (even, so a pair of f16 weights never straddles two steps). */
  tileK: number;
}

/** 8 x 8 invocations, 32 tokens x 32 entries x 32 hidden values per step: 8 KiB of workgroup memory. */
export const DEFAULT_TILING: FusedHeadTiling = { wgVocab: 8, wgTokens: 8, tileK: 32 };

export type WeightFormat = 'float32' | 'float16';

/** Bytes of workgroup memory the kernel declares for a tiling (h and W tiles, the combine step). */
export function workgroupBytes(t: FusedHeadTiling): number {
  return 16 * t.tileK * (t.wgTokens + t.wgVocab) + 8 * t.wgTokens * 4 * t.wgVocab;
}

/** Checks a tiling against the kernel's assumptions and the device's limits. */
export function checkTiling(t: FusedHeadTiling, limits: FusedHeadLimits): void {
  const threads = t.wgVocab * t.wgTokens;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(t))
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a positive integer, got ${value}`);
  if (t.tileK % 2 !== 0) problems.push(`tileK must be even, got ${t.tileK}`);
  // Every invocation stages the same number of vec4s of h and of W (f16: pairs of vec4s) per step.
  if ((t.wgTokens * t.tileK) % threads !== 0 || (t.wgVocab * t.tileK) % (2 * threads) !== 0)
    problems.push(
      `tileK must be a multiple of wgVocab and of 2 x wgTokens (every invocation stages the same share of a step), got tileK ${t.tileK} with ${t.wgVocab} x ${t.wgTokens} invocations`,
    );
  // The combine step gives one invocation to each of the tile's entries.
  if (4 * t.wgVocab > threads)
    problems.push(`wgTokens must be at least 4 (the combine step needs 4 x wgVocab invocations)`);
  if (threads > limits.maxComputeInvocationsPerWorkgroup)
    problems.push(`${threads} invocations exceed the device's ${limits.maxComputeInvocationsPerWorkgroup}`);
  if (workgroupBytes(t) > limits.maxComputeWorkgroupStorageSize)
    problems.push(
      `${workgroupBytes(t)} bytes of workgroup memory exceed the device's ${limits.maxComputeWorkgroupStorageSize}`,
    );
  if (problems.length > 0)
    throw new SpladeError('invalid-option', `fused head tiling ${JSON.stringify(t)}: ${problems.join('; ')}`);
}

/** The shader as compiled: shared constants, the uniform structs, the tiling, then the kernel. */
export function fusedHeadShaderSource(kernel: string, t: FusedHeadTiling, format: WeightFormat): string {
  const constants = [
    `const WG_VOCAB: u32 = ${t.wgVocab}u;`,
    `const WG_TOKENS: u32 = ${t.wgTokens}u;`,
    `const TILE_VOCAB: u32 = ${4 * t.wgVocab}u;`,
    `const TILE_TOKENS: u32 = ${4 * t.wgTokens}u;`,
    `const TILE_K: u32 = ${t.tileK}u;`,
    `const THREADS: u32 = ${t.wgVocab * t.wgTokens}u;`,
    `const WEIGHT_HALF: bool = ${format === 'float16'};`,
  ].join('\n');
  return `${POSITION_WGSL}${HEAD_PARAMS.wgsl}${COMPACT_PARAMS.wgsl}${constants}\n${kernel}`;
}

/** u32 words per weight row: one per f32, one per pair of f16 (an odd hidden size pads with a zero). */
export function rowWords(hidden: number, format: WeightFormat): number {
  return format === 'float16' ? Math.ceil(hidden / 2) : hidden;
}

/** The device limits the plan respects (a subset of GPUSupportedLimits). */
export interface FusedHeadLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

/** A run of consecutive items (vocabulary rows of W, or segments). */
export interface Range {
  start: number;
  count: number;
}

/**
 * Cuts the vocabulary into weight chunks: each chunk is one GPU buffer bound whole, so it holds at
 * most the binding limit (and `maxChunkBytes`, which tests set small), a multiple of the tile's
 * entries, and no more tiles than one dispatch dimension takes.
 */
export function planWeightChunks(
  vocab: number,
  rowBytes: number,
  tileVocab: number,
  limits: FusedHeadLimits,
  maxChunkBytes = Infinity,
): Range[] {
  const bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, maxChunkBytes);
  const byBytes = Math.floor(Math.floor(bytes / rowBytes) / tileVocab) * tileVocab;
  const perChunk = Math.min(byBytes, limits.maxComputeWorkgroupsPerDimension * tileVocab);
  if (perChunk < 1) {
    throw new SpladeError(
      'invalid-option',
      `a weight chunk of ${tileVocab} vocabulary rows needs ${tileVocab * rowBytes} bytes, more than the ${bytes} one buffer may hold on this device`,
    );
  }
  const chunks: Range[] = [];
  for (let start = 0; start < vocab; start += perChunk)
    chunks.push({ start, count: Math.min(perChunk, vocab - start) });
  return chunks;
}

/** Cuts `count` items into runs of at most `most` (one dispatch dimension's workgroups). */
export function planRuns(count: number, most: number): Range[] {
  const runs: Range[] = [];
  for (let start = 0; start < count; start += most) runs.push({ start, count: Math.min(most, count - start) });
  return runs;
}

/** The head's uniform bytes for one dispatch. */
export function packHeadParams(p: {
  tokens: number;
  hidden: number;
  vocab: number;
  chunk: Range;
  rowWords: number;
  segments: number;
  segmentBase: number;
  config: PoolingConfig;
  positions: boolean;
  threshold: number;
}): ArrayBuffer {
  return HEAD_PARAMS.pack({
    tokens: p.tokens,
    hidden: p.hidden,
    vocab: p.vocab,
    vocabBase: p.chunk.start,
    vocabCount: p.chunk.count,
    rowWords: p.rowWords,
    segments: p.segments,
    segmentBase: p.segmentBase,
    strategy: STRATEGY_CODE[p.config.strategy],
    activation: ACTIVATION_CODE[p.config.activation],
    positions: p.positions ? 1 : 0,
    threshold: p.threshold,
  });
}
