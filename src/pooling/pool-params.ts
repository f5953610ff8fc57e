/**
 * The pooling kernel's uniforms, declared once (see uniforms.ts): the host packs them by name and
 * the shader is compiled with the struct generated from the same list, so pool.wgsl declares no
 * struct of its own. No GPU here: Node tests the layout and the composed shader text.
 */
import type { PoolingConfig } from './config.ts';
import { POSITION_WGSL } from './packing.ts';
import { uniformStruct } from './uniforms.ts';

/** Codes the kernel branches on (`params.strategy`, `params.activation`). */
export const STRATEGY_CODE = { max: 0, sum: 1 } as const;
export const ACTIVATION_CODE = { relu: 0, log1p_relu: 1 } as const;

export const POOL_PARAMS = uniformStruct('Params', [
  ['tokens', 'u32', 'tokens per row (rows are padded to this)'],
  ['vocab', 'u32', 'vocabulary entries per token'],
  ['segments', 'u32', 'segments (documents) in the batch'],
  ['capacity', 'u32', 'entries reserved per segment'],
  ['strategy', 'u32', `${STRATEGY_CODE.max} = max, ${STRATEGY_CODE.sum} = sum`],
  [
    'activation',
    'u32',
    `${ACTIVATION_CODE.relu} = relu: log1p(relu(x)); ${ACTIVATION_CODE.log1p_relu} = log1p_relu: log1p(log1p(relu(x)))`,
  ],
  ['threshold', 'f32', 'keep values strictly above this'],
]);

/** The kernel's uniform bytes for one launch. */
export function packPoolParams(p: {
  tokens: number;
  vocab: number;
  segments: number;
  capacity: number;
  config: PoolingConfig;
  threshold: number;
}): ArrayBuffer {
  return POOL_PARAMS.pack({
    tokens: p.tokens,
    vocab: p.vocab,
    segments: p.segments,
    capacity: p.capacity,
    strategy: STRATEGY_CODE[p.config.strategy],
    activation: ACTIVATION_CODE[p.config.activation],
    threshold: p.threshold,
  });
}

/** The shader as compiled: the shared constants and the uniform struct, then the kernel's own text. */
export function poolShaderSource(kernel: string): string {
  return POSITION_WGSL + POOL_PARAMS.wgsl + kernel;
}
